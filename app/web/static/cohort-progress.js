// The cohort progress page: polls the job's counts every second and updates the bar, then
// reloads once to show the report. Progressive enhancement only: without JavaScript the page
// has a "Refresh" link, and every reload reads the job's state from the database.
(function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.done === "yes") { return; }
  var bar = box.querySelector("progress");
  function update(state) {
    bar.max = state.total;
    bar.value = state.processed;
    box.querySelectorAll("[data-count]").forEach(function (cell) {
      cell.textContent = state[cell.dataset.count];
    });
    if (state.done) { window.location.reload(); return; }
    window.setTimeout(poll, 1000);
  }
  function poll() {
    fetch(box.dataset.progressUrl, {headers: {"Accept": "application/json"},
                                    credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(update)
      .catch(function () { window.setTimeout(poll, 5000); });  // a blip: try again later
  }
  window.setTimeout(poll, 1000);
}());
