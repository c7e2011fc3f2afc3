// A wallet taking an award from mcred over a VC-API (VCALM) exchange, as the DCC Learner
// Credential Wallet does (app/lib/exchanges.ts handleVcApiExchangeComplete): GET the
// interaction URL for its protocols, POST {} to the exchange, sign a DID Authentication VP
// with the request's challenge and domain, POST it to interact.service[0].serviceEndpoint,
// and take the credential from verifiablePresentation.verifiableCredential[0]. The credential
// is then verified with Digital Bazaar's vc library (eddsa-rdfc-2022 and its status list).
// JSON-LD contexts come from mcred's contexts/ folder; mcred is reached only on 127.0.0.1.
//
// stdin: {"action": "wallet", "interactionUrl": "...", "stack": "dcc"|"db", "seed": "<hex>",
//         "vcVersion": 1.0|2.0}
//    or  {"action": "sign-vp", "stack": ..., "seed": ..., "challenge": ..., "domain": ...,
//         "holder"?: "did:key:… other than the key's", "vcVersion"?: …}
//    or  {"action": "verify", "credential": {...}}
// stdout: {"holder", "protocols", "request", "response", "verified", "error", "credential"},
//         {"vp", "did"} or {"verified", "error"}
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';

import * as dbVc from '@digitalbazaar/vc';
import * as dccVc from '@digitalcredentials/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {Ed25519Signature2020} from '@digitalcredentials/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalcredentials/ed25519-verification-key-2020';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'contexts', 'manifest.json'), 'utf8'));
const CONTEXTS = new Map(manifest.contexts.map(
  c => [c.url, JSON.parse(readFileSync(join(ROOT, 'contexts', c.file), 'utf8'))]));

const didKeys = didKeyDriver();
didKeys.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// did:web:127.0.0.1%3A8000:issuers:x → http://127.0.0.1:8000/issuers/x/did.json (the test
// server speaks plain http on loopback; did:web itself would say https).
function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  if(!host.startsWith('127.0.0.1')) {
    throw new Error(`offline loader: ${did} is not on 127.0.0.1`);
  }
  return `http://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

async function getJson(url, accept = 'application/json') {
  const response = await fetch(url, {headers: {Accept: accept}});
  if(!response.ok) {
    throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKeys.get({url})};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = await getJson(didWebUrl(did), 'application/did+json, application/json');
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = doc.verificationMethod.find(m => m.id === url || m.id === `#${fragment}`);
    return {contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
  }
  if(url.startsWith('http://127.0.0.1')) {
    return {contextUrl: null, documentUrl: url,
      document: await getJson(url, 'application/ld+json, application/json')};
  }
  throw new Error(`offline loader: ${url} is not available`);
}

// The holder's key and suite: DCC's Ed25519Signature2020 (what LCW signs with) or Digital
// Bazaar's DataIntegrityProof with eddsa-rdfc-2022.
async function holderSuite(stack, seed) {
  const bytes = Buffer.from(seed, 'hex');
  if(stack === 'dcc') {
    const key = await Ed25519VerificationKey2020.generate({seed: bytes});
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    return {did, vc: dccVc, suite: new Ed25519Signature2020({key})};
  }
  const key = await Ed25519Multikey.generate({seed: bytes});
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  return {did, vc: dbVc, suite: new DataIntegrityProof({signer: key.signer(), cryptosuite: rdfc})};
}

// LCW's constructExchangeRequest: an empty presentation by the holder, signed for the
// challenge and domain of the request.
async function signVp({stack, seed, challenge, domain, holder, vcVersion = 2.0}) {
  const {did, vc, suite} = await holderSuite(stack, seed);
  const presentation = vc.createPresentation({holder: holder || did, version: vcVersion});
  const vp = await vc.signPresentation({presentation, suite, challenge, domain, documentLoader});
  return {vp, did};
}

async function post(url, body) {
  const response = await fetch(url, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return {status: response.status, body: await response.json()};
}

// Bitstring Status List: the list credential verified with the same library, then its bit.
async function checkStatus({credential}) {
  for(const entry of [].concat(credential.credentialStatus)) {
    const list = await getJson(entry.statusListCredential,
      'application/ld+json, application/json');
    const listResult = await dbVc.verifyCredential({credential: list,
      suite: new DataIntegrityProof({cryptosuite: rdfc}), documentLoader});
    if(!listResult.verified) {
      return {verified: false, error: new Error('status list does not verify')};
    }
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1),
      'base64url'));
    const index = Number(entry.statusListIndex);
    if(bits[index >> 3] & (0x80 >> (index % 8))) {
      return {verified: false, error: new Error(`${entry.statusPurpose} bit is set`)};
    }
  }
  return {verified: true};
}

async function wallet({interactionUrl, stack, seed, vcVersion = 2.0}) {
  // LCW (interaction URL, iuv=1): GET with Accept JSON for the protocols map.
  const {protocols} = await getJson(interactionUrl);
  let url = protocols.vcapi;
  const first = await post(url, {});
  if(first.status !== 200 || !first.body.verifiablePresentationRequest) {
    return {protocols, first};
  }
  const request = first.body.verifiablePresentationRequest;
  const queries = [].concat(request.query);
  if(!queries.some(q => q.type === 'DIDAuthentication')) {
    throw new Error('the exchange asked for no DID Authentication');
  }
  const {vp, did} = await signVp({stack, seed, challenge: request.challenge,
    domain: request.domain, vcVersion});
  url = request.interact?.service[0]?.serviceEndpoint ?? url;
  const response = await post(url, {verifiablePresentation: vp});
  const credential = response.body.verifiablePresentation?.verifiableCredential?.[0];
  if(!credential) {
    return {holder: did, protocols, request, response};
  }
  return {holder: did, protocols, request, response, ...await verifyReceived({credential}),
    subjectId: credential.credentialSubject.id, sentVp: vp, credential};
}

// What the wallet got, checked with Digital Bazaar's vc: the issuer's proof and its status.
async function verifyReceived({credential}) {
  const result = await dbVc.verifyCredential({credential, checkStatus, documentLoader,
    suite: new DataIntegrityProof({cryptosuite: rdfc})});
  const error = result.error ?
    (result.error.errors || [result.error]).map(e => e.message).join('; ') :
    result.statusResult?.error?.message;
  return {verified: result.verified, error};
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const actions = {wallet, 'sign-vp': signVp, verify: verifyReceived};
try {
  process.stdout.write(JSON.stringify(await actions[input.action](input)));
} catch(error) {
  process.stdout.write(JSON.stringify({error: String(error.stack || error)}));
  process.exitCode = 1;
}
