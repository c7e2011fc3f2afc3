// Wallet side of OpenID4VCI 1.0 for mcred's tests: OpenWallet Foundation's @openid4vc libraries
// (the ones Credo and the Paradym wallet use) drive the pre-authorized code flow against a real
// mcred server on 127.0.0.1; Digital Bazaar's stack builds the di_vp proof and verifies the
// credential received. JSON-LD contexts come from mcred's contexts/ folder, never the network.
//
// stdin:  {"offer": "openid-credential-offer://...", "txCode": "123456",
//          "proof": "jwt-ed25519" | "jwt-p256" | "jwt-did" | "di_vp", "signedMetadata": bool}
// stdout: {"signedMetadata": bool, "holderDid"?: "...", "holderJwk"?: {...},
//          "credential": {...}, "verified": bool, "error"?: "..."}
import {createHash, generateKeyPairSync, randomBytes, sign, verify, createPublicKey}
  from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import jsigs from 'jsonld-signatures';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous, setGlobalConfig} from '@openid4vc/oauth2';

const {purposes: {AssertionProofPurpose, AuthenticationProofPurpose}} = jsigs;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'contexts', 'manifest.json'), 'utf8'));
const CONTEXTS = new Map(manifest.contexts.map(
  c => [c.url, JSON.parse(readFileSync(join(ROOT, 'contexts', c.file), 'utf8'))]));
const LDP_VC = 'micro_credential_ldp_vc';

// The test server is plain http on 127.0.0.1; a production wallet keeps this false.
setGlobalConfig({allowInsecureUrls: true});

const didKeys = didKeyDriver();
didKeys.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

const b64url = bytes => Buffer.from(bytes).toString('base64url');
const fromB64url = text => Buffer.from(text, 'base64url');

// did:web → its DID document, fetched from the server under test (did:web:127.0.0.1%3A8000:a:b
// → http://127.0.0.1:8000/a/b/did.json; the bare host → /.well-known/did.json).
async function didWebDocument(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const url = `http://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
  const response = await fetch(url);
  if(!response.ok) {
    throw new Error(`${url}: ${response.status}`);
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
    const doc = await didWebDocument(did);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = doc.verificationMethod.find(m => m.id === url || m.id === `#${fragment}`);
    if(method) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
    }
  }
  throw new Error(`offline loader: ${url} is not available`);
}


async function jwkOfVerificationMethod(didUrl) {
  const [did] = didUrl.split('#');
  const doc = did.startsWith('did:web:') ? await didWebDocument(did) : await didKeys.get({did});
  const method = doc.verificationMethod.find(
    m => m.id === didUrl || `${did}${m.id}` === didUrl);
  if(!method) {
    throw new Error(`${didUrl} is not in its DID document`);
  }
  const key = await Ed25519Multikey.from(method);
  const raw = key.publicKey ?? (await key.export({publicKey: true, raw: true})).publicKey;
  return {kty: 'OKP', crv: 'Ed25519', x: b64url(raw)};
}

function verifyWithJwk(jwk, alg, data, signature) {
  const key = createPublicKey({key: jwk, format: 'jwk'});
  return alg === 'ES256' ?
    verify('sha256', data, {key, dsaEncoding: 'ieee-p1363'}, signature) :
    verify(null, data, key, signature);
}

// Holder keys: node:crypto keys for jwk signers, a Digital Bazaar Multikey for did:key.
async function holder(kind) {
  if(kind === 'jwt-ed25519' || kind === 'jwt-p256') {
    const {publicKey, privateKey} = kind === 'jwt-p256' ?
      generateKeyPairSync('ec', {namedCurve: 'P-256'}) : generateKeyPairSync('ed25519');
    const publicJwk = publicKey.export({format: 'jwk'});
    const alg = kind === 'jwt-p256' ? 'ES256' : 'EdDSA';
    const signBytes = data => alg === 'ES256' ?
      sign('sha256', data, {key: privateKey, dsaEncoding: 'ieee-p1363'}) :
      sign(null, data, privateKey);
    return {signer: {method: 'jwk', alg, publicJwk}, signBytes, publicJwk,
      privateJwk: privateKey.export({format: 'jwk'})};
  }
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  const signer = key.signer();
  return {signer: {method: 'did', alg: 'EdDSA', didUrl: key.id}, key, did,
    signBytes: async data => Buffer.from(await signer.sign({data}))};
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const wallet = await holder(input.proof);
  // ldp_vc unless the test asks for another configuration (the SD-JWT VC one)
  const CONFIGURATION = input.configuration ?? LDP_VC;
  // The library reads a signed metadata JWT when one comes but sends no Accept header; a wallet
  // that wants the signed form says so (OpenID4VCI 1.0 §12.2.2), here through its fetch.
  const walletFetch = (url, init = {}) => {
    if(input.signedMetadata && String(url).includes('/.well-known/openid-credential-issuer')) {
      init = {...init, headers: {...init.headers, Accept: 'application/jwt, application/json'}};
    }
    return fetch(url, init);
  };
  const callbacks = {
    fetch: walletFetch,
    // pre-authorized_grant_anonymous_access_supported: no client authentication
    clientAuthentication: clientAuthenticationAnonymous(),
    generateRandom: bytes => randomBytes(bytes),
    hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
    signJwt: async (signer, {header, payload}) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = await wallet.signBytes(Buffer.from(input));
      const signerJwk = signer.method === 'jwk' ? signer.publicJwk :
        await jwkOfVerificationMethod(signer.didUrl);
      return {jwt: `${input}.${b64url(signature)}`, signerJwk};
    },
    // Signed issuer metadata: the kid is a DID URL of mcred's service DID (did:web).
    verifyJwt: async (signer, {header, compact}) => {
      const signerJwk = signer.method === 'jwk' ? signer.publicJwk :
        await jwkOfVerificationMethod(signer.didUrl);
      const [head, body, signature] = compact.split('.');
      const verified = verifyWithJwk(signerJwk, header.alg, Buffer.from(`${head}.${body}`),
        fromB64url(signature));
      return verified ? {verified: true, signerJwk} : {verified: false};
    }
  };
  const client = new Openid4vciClient({callbacks});
  const credentialOffer = await client.resolveCredentialOffer(input.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode: input.txCode});
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  let proofs;
  if(input.proof === 'di_vp') {
    const presentation = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'], holder: wallet.did};
    const suite = new DataIntegrityProof({signer: wallet.key.signer(), cryptosuite: rdfc});
    const signed = await jsigs.sign(presentation, {suite, documentLoader,
      purpose: new AuthenticationProofPurpose({
        challenge: nonce, domain: issuerMetadata.credentialIssuer.credential_issuer})});
    proofs = {di_vp: [signed]};
  } else {
    const {jwt} = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: CONFIGURATION, signer: wallet.signer, nonce});
    proofs = {jwt: [jwt]};
  }
  const {credentialResponse} = await client.retrieveCredentials({
    issuerMetadata, accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: CONFIGURATION, proofs});
  const credential = credentialResponse.credentials[0].credential;
  if(CONFIGURATION !== LDP_VC) {  // an SD-JWT: the test verifies it with @sd-jwt libraries
    console.log(JSON.stringify({
      version: issuerMetadata.originalDraftVersion, holderJwk: wallet.publicJwk,
      holderPrivateJwk: wallet.privateJwk, credential}));
    return;
  }
  const suite = new DataIntegrityProof({cryptosuite: rdfc});
  const result = await jsigs.verify(credential, {
    suite, purpose: new AssertionProofPurpose(), documentLoader});
  const error = result.error ?
    (result.error.errors || [result.error]).map(e => e.message).join('; ') : undefined;
  console.log(JSON.stringify({
    signedMetadata: Boolean(issuerMetadata.signedCredentialIssuer),
    version: issuerMetadata.originalDraftVersion,
    holderDid: wallet.did, holderJwk: wallet.publicJwk,
    credential, verified: result.verified, error}));
}

main().catch(error => {
  console.error(error.stack || String(error));
  if(error.errorResponse || error.response) {
    console.error(JSON.stringify(error.errorResponse ?? error.response));
  }
  process.exit(1);
});
