// Test-only: mcred's SD-JWT VCs checked by the OpenWallet Foundation's SD-JWT implementation
// (@sd-jwt/sd-jwt-vc, @sd-jwt/crypto-nodejs, @sd-jwt/jwt-status-list), driven from pytest.
// One JSON request on stdin, one JSON answer on stdout; no network: the issuer metadata, type
// metadata and status list token are handed in as fetched from mcred by the test.
//
// Request: {sdJwt, issuerMetadata, typeMetadata (served text), statusListToken?,
//           holderPrivateJwk?, disclose?: [claim names], nonce?, aud?, currentDate?}
// Answer:  {issuer: {verified, header, claims | error}, presentation?: {...}, status?: {...}}
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

const [jwt] = input.sdJwt.split('~');
const header = decodePart(jwt.split('.')[0]);
const issuerJwk = input.issuerMetadata.jwks.keys.find((k) => k.kid === header.kid);

// The issuer's key, found by the header's kid in the JWT VC Issuer Metadata, whose `issuer`
// must be the credential's `iss` (draft-ietf-oauth-sd-jwt-vc §5).
async function verifier(data, signature) {
  if (!issuerJwk) throw new Error(`no key ${header.kid} in the issuer metadata`);
  const payload = decodePart(jwt.split('.')[1]);
  if (payload.iss !== input.issuerMetadata.issuer) throw new Error('iss is not the metadata issuer');
  return (await ES256.getVerifier(issuerJwk))(data, signature);
}

// Status List Tokens are signed by the same issuer key (kid in their header).
async function statusVerifier(data, signature) {
  const slHeader = decodePart(data.split('.')[0]);
  const key = input.issuerMetadata.jwks.keys.find((k) => k.kid === slHeader.kid);
  if (!key || slHeader.typ !== 'statuslist+jwt') throw new Error('not our status list token');
  return (await ES256.getVerifier(key))(data, signature);
}

// Key binding: the KB-JWT must be signed by the key in the credential's cnf (ES256, or
// EdDSA for an Ed25519 holder key, with Node's own Ed25519).
async function kbVerifier(data, signature, payload) {
  const jwk = payload.cnf.jwk;
  if (jwk.kty === 'OKP') {
    return verify(null, Buffer.from(data), createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(signature, 'base64url'));
  }
  return (await ES256.getVerifier(jwk))(data, signature);
}

async function kbSigner(privateJwk) {
  if (privateJwk.kty === 'OKP') {
    const key = createPrivateKey({ key: privateJwk, format: 'jwk' });
    return async (data) => sign(null, Buffer.from(data), key).toString('base64url');
  }
  return ES256.getSigner(privateJwk);
}

const typeMetadataText = input.typeMetadata;
function integrityOf(text) {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

const sdjwt = new SDJwtVcInstance({
  hasher: digest,
  hashAlg: 'sha-256',
  saltGenerator: generateSalt,
  verifier,
  statusVerifier,
  kbVerifier,
  kbSignAlg: input.holderPrivateJwk?.kty === 'OKP' ? 'EdDSA' : 'ES256',
  kbSigner: input.holderPrivateJwk ? await kbSigner(input.holderPrivateJwk) : undefined,
  loadTypeMetadataFormat: true,
  // The type metadata as mcred served it; its integrity is checked against vct#integrity.
  vctFetcher: async (uri, integrity) => {
    if (integrity && integrity !== integrityOf(typeMetadataText)) {
      throw new Error(`vct#integrity mismatch for ${uri}`);
    }
    return JSON.parse(typeMetadataText);
  },
  statusListFetcher: async () => {
    if (!input.statusListToken) throw new Error('no status list token given');
    return input.statusListToken;
  },
});

const options = input.currentDate ? { currentDate: input.currentDate } : {};
const answer = {};

try {
  const result = await sdjwt.verify(input.sdJwt, options);
  answer.issuer = {
    verified: true, header: result.header, claims: await sdjwt.getClaims(input.sdJwt),
    payload: result.payload, vct: result.typeMetadata?.mergedTypeMetadata?.vct ?? null,
  };
} catch (error) {
  answer.issuer = { verified: false, error: String(error.message ?? error) };
}

if (input.holderPrivateJwk && input.disclose) {
  try {
    const frame = Object.fromEntries(input.disclose.map((name) => [name, true]));
    const presentation = await sdjwt.present(input.sdJwt, frame, {
      kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: input.aud, nonce: input.nonce } },
    });
    const result = await sdjwt.verify(presentation, { ...options, keyBindingNonce: input.nonce });
    answer.presentation = {
      verified: true, presentation, claims: result.payload, kb: result.kb?.payload ?? null,
      kbHeader: result.kb?.header ?? null,
    };
  } catch (error) {
    answer.presentation = { verified: false, error: String(error.message ?? error) };
  }
}

if (input.statusListToken) {
  try {
    const reference = getStatusListFromJWT(input.sdJwt.split('~')[0]);
    const list = getListFromStatusListJWT(input.statusListToken);
    answer.status = {
      reference, bits: list.getBitsPerStatus(), value: list.getStatus(reference.idx),
      header: decodePart(input.statusListToken.split('.')[0]),
      payload: decodePart(input.statusListToken.split('.')[1]),
    };
  } catch (error) {
    answer.status = { error: String(error.message ?? error) };
  }
}

process.stdout.write(JSON.stringify(answer));
