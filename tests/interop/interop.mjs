// Cross-implementation check: Digital Bazaar's Data Integrity stack (the reference used by the
// W3C vc-di-eddsa interop suite) signs and verifies for mcred's tests. Offline: JSON-LD
// contexts come from mcred's contexts/ folder, DID documents from the request.
//
// stdin: {"action": "verify", "document": {...}, "didDocuments": {did: doc}}
//    or  {"action": "sign", "document": {...}, "cryptosuite": "eddsa-rdfc-2022"|"eddsa-jcs-2022",
//         "seed": "<64 hex chars>"}
// stdout: {"verified": bool, "error": "..."} or {"signed": {...}, "did": "did:key:..."}
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  createSignCryptosuite as jcsSign, createVerifyCryptosuite as jcsVerify
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import jsigs from 'jsonld-signatures';

const {purposes: {AssertionProofPurpose}} = jsigs;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'contexts', 'manifest.json'), 'utf8'));
const CONTEXTS = new Map(manifest.contexts.map(
  c => [c.url, JSON.parse(readFileSync(join(ROOT, 'contexts', c.file), 'utf8'))]));
const SIGN = {'eddsa-rdfc-2022': rdfc, 'eddsa-jcs-2022': jcsSign()};
const VERIFY = {'eddsa-rdfc-2022': rdfc, 'eddsa-jcs-2022': jcsVerify()};

const didKeys = didKeyDriver();
didKeys.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

function loaderFor(didDocuments) {
  return async url => {
    if(CONTEXTS.has(url)) {
      return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
    }
    if(url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await didKeys.get({url})};
    }
    const [did, fragment] = url.split('#');
    const doc = didDocuments[did];
    if(doc) {
      if(!fragment) {
        return {contextUrl: null, documentUrl: url, document: doc};
      }
      const method = doc.verificationMethod.find(
        m => m.id === url || m.id === `#${fragment}`);
      if(method) {
        return {contextUrl: null, documentUrl: url,
          document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
      }
    }
    throw new Error(`offline loader: ${url} is not available`);
  };
}

async function verify({document, didDocuments = {}}) {
  const proof = Array.isArray(document.proof) ? document.proof[0] : document.proof;
  const suite = new DataIntegrityProof({cryptosuite: VERIFY[proof.cryptosuite]});
  const result = await jsigs.verify(document, {
    suite, purpose: new AssertionProofPurpose(), documentLoader: loaderFor(didDocuments)});
  const error = result.error ?
    (result.error.errors || [result.error]).map(e => e.message).join('; ') : undefined;
  return {verified: result.verified, error};
}

async function sign({document, cryptosuite, seed}) {
  const key = await Ed25519Multikey.generate({seed: Buffer.from(seed, 'hex')});
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: SIGN[cryptosuite]});
  const signed = await jsigs.sign({...document, issuer: did}, {
    suite, purpose: new AssertionProofPurpose(), documentLoader: loaderFor({})});
  return {signed, did};
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const actions = {verify, sign};
try {
  process.stdout.write(JSON.stringify(await actions[input.action](input)));
} catch(e) {
  process.stdout.write(JSON.stringify({verified: false, error: String(e && e.stack || e)}));
}
