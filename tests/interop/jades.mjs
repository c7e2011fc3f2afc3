// Cross-implementation check of JAdES seals: panva's `jose` verifies the JWS (JSON
// serialisation, RFC 7797 b64:false) with the key of the x5c[0] certificate, independently
// of mcred's app/seals. JAdES' own header parameters are declared understood in `crit`.
//
// stdin: {"jws": {...general or flattened JWS JSON...}}
// stdout: {"verified": bool, "alg": "...", "payloadBytes": n} or {"verified": false, "error": "..."}
import {readFileSync} from 'node:fs';
import {flattenedVerify, importX509} from 'jose';

const {jws} = JSON.parse(readFileSync(0, 'utf8'));
const first = jws.signatures ? jws.signatures[0] : jws;
const header = JSON.parse(Buffer.from(first.protected, 'base64url').toString('utf8'));
const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0].match(/.{1,64}/g).join('\n')}` +
  '\n-----END CERTIFICATE-----';
try {
  const key = await importX509(pem, header.alg);
  const options = {crit: {sigT: true, adoTst: true}};
  // One signature, verified flattened: generalVerify would hide why it failed.
  const result = await flattenedVerify({...first, payload: jws.payload}, key, options);
  console.log(JSON.stringify({verified: true, alg: result.protectedHeader.alg,
                              payloadBytes: result.payload.length}));
} catch(error) {
  console.log(JSON.stringify({verified: false, error: `${error.code}: ${error.message}`}));
}
