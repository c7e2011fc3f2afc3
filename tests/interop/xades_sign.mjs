// An independent XAdES signer for mcred's trusted list tests: PeculiarVentures' xadesjs signs
// a TS 119 612 list the way a scheme operator's tool does (enveloped, exclusive c14n, the
// SigningCertificate in the SignedProperties), so mcred's check is not only tried on
// signatures made by the library it verifies with (signxml).
//
// stdin: {"xml": "<tsl:TrustServiceStatusList …>", "key": "<PKCS#8 PEM, EC P-256>",
//         "cert": "<certificate PEM>"}
// stdout: the signed XML document
import {readFileSync} from 'node:fs';
import {webcrypto} from 'node:crypto';

import * as xmldom from '@xmldom/xmldom';
import xpath from 'xpath';
import * as xadesjs from 'xadesjs';

xadesjs.setNodeDependencies({
  XMLSerializer: xmldom.XMLSerializer, DOMParser: xmldom.DOMParser,
  DOMImplementation: xmldom.DOMImplementation, xpath,
});
xadesjs.Application.setEngine('NodeJS', webcrypto);

const request = JSON.parse(readFileSync(0, 'utf8'));
const base64 = pem => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const algorithm = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'};
const key = await webcrypto.subtle.importKey(
  'pkcs8', Buffer.from(base64(request.key), 'base64'), algorithm, false, ['sign']);

const document = xadesjs.Parse(request.xml);
const signed = new xadesjs.SignedXml();
const signature = await signed.Sign(algorithm, key, document, {
  x509: [base64(request.cert)],
  signingCertificate: base64(request.cert),
  references: [{uri: '', hash: 'SHA-256',
                transforms: ['enveloped', 'exc-c14n']}],
});
document.documentElement.appendChild(signature.GetXml());
process.stdout.write(new xmldom.XMLSerializer().serializeToString(document));
