#!/usr/bin/env node
// medgw's FHIR R4 API driven by an independent FHIR client: fhir-kit-client (npm, pinned in
// package.json, installed by `make node-deps`). Run by tests/e2e/test_fhir_api.py against a gateway
// it started; by hand:
//
//   node tests/integration/fhir_kit_client_test.js BASE_URL TOKEN [TAG]
//   node tests/integration/fhir_kit_client_test.js http://127.0.0.1:8080/fhir medgw-dev-token
//
// TAG makes the identifiers unique (default: a random one), so it can run against a gateway that
// already holds data. Checks: the CapabilityStatement; create a Patient (201), read it, search it by
// identifier (the golden patient, linked from the created record) and find it by Patient/$match
// (certain, score 1); a transaction Bundle (a Patient by urn:uuid, an Observation and a
// DiagnosticReport referencing it and each other), every entry 201 with a Location, read back with
// the urn:uuid references resolved; a search with _include and POST _search. Prints every
// mismatch and exits 1 when there was one (2: usage or setup).
'use strict';

const crypto = require('crypto');

let Client; // fhir-kit-client 2 is an ES module: imported in run()

const [baseUrl, token, tagArg] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error('usage: fhir_kit_client_test.js BASE_URL TOKEN [TAG]');
  process.exit(2);
}
const tag = tagArg || crypto.randomBytes(6).toString('hex');
const SYSTEM = 'urn:oid:1.2.156.112604.99.2';
const LOINC = 'http://loinc.org';

let client;
const failures = [];
let checks = 0;

function check(ok, what, detail) {
  checks++;
  if (!ok) {
    failures.push(`${what}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
    console.log(`FAIL ${what}`);
  }
  return ok;
}

function equal(actual, expected, what) {
  return check(JSON.stringify(actual) === JSON.stringify(expected), what,
    `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function statusOf(result) {
  const { response } = Client.httpFor(result);
  return response ? response.status : undefined;
}

function headerOf(result, name) {
  const { response } = Client.httpFor(result);
  return response ? response.headers.get(name) : null;
}

// "Patient/7" from a reference, a Location or a fullUrl ("http://h/fhir/Patient/7/_history/1").
function typeAndId(url) {
  const m = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/\d+)?$/.exec(url || '');
  return m ? `${m[1]}/${m[2]}` : null;
}

function goldenOf(patient) {
  const refer = (patient.link || []).find((l) => l.type === 'refer');
  return refer ? refer.other.reference : null;
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    const detail = e && e.response ? `HTTP ${e.response.status} ${JSON.stringify(e.response.data).slice(0, 1500)}` : String(e && e.stack || e);
    check(false, `${name}: threw`, detail);
  }
}

async function main() {
  await step('metadata', async () => {
    const cs = await client.capabilityStatement();
    equal(cs.resourceType, 'CapabilityStatement', 'metadata resourceType');
    equal(cs.fhirVersion, '4.0.1', 'metadata fhirVersion');
  });

  const mrn = `KIT-${tag}`;
  const patientBody = {
    resourceType: 'Patient',
    identifier: [{ system: SYSTEM, value: mrn }],
    name: [{ family: 'Wang', given: ['Fang'] }],
    gender: 'female',
    birthDate: '1975-06-01',
  };
  let created = null;
  await step('create Patient', async () => {
    created = await client.create({ resourceType: 'Patient', body: patientBody });
    equal(statusOf(created), 201, 'create Patient: HTTP status');
    check(typeof created.id === 'string' && created.id.length > 0, 'create Patient: an id', created);
    equal(created.meta && created.meta.versionId, '1', 'create Patient: meta.versionId');
    equal(typeAndId(headerOf(created, 'location')), `Patient/${created.id}`, 'create Patient: Location names it');
    equal(created.identifier, patientBody.identifier, 'create Patient: identifier');
    equal(created.name, patientBody.name, 'create Patient: name');
    check(goldenOf(created), 'create Patient: linked to a golden patient (link type refer)', created.link);
  });
  if (!created) return;

  await step('read Patient', async () => {
    const read = await client.read({ resourceType: 'Patient', id: created.id });
    equal(read.id, created.id, 'read Patient: id');
    for (const k of ['identifier', 'name', 'gender', 'birthDate']) equal(read[k], patientBody[k], `read Patient: ${k}`);
    equal(headerOf(read, 'etag'), 'W/"1"', 'read Patient: ETag');
  });

  const golden = goldenOf(created);
  await step('search Patient by identifier', async () => {
    const bundle = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${SYSTEM}|${mrn}` } });
    equal(bundle.resourceType, 'Bundle', 'search: a Bundle');
    equal(bundle.type, 'searchset', 'search: searchset');
    const matches = (bundle.entry || []).filter((e) => !e.search || e.search.mode === 'match');
    equal(matches.length, 1, 'search by identifier: one golden patient');
    if (matches.length === 1) {
      const p = matches[0].resource;
      equal(`Patient/${p.id}`, golden, 'search by identifier: the golden patient the created record links to');
      check((p.identifier || []).some((i) => i.system === SYSTEM && i.value === mrn), 'search: the golden patient carries the identifier', p.identifier);
      equal(typeAndId(matches[0].fullUrl), `Patient/${p.id}`, 'search: fullUrl');
    }
    const none = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${SYSTEM}|NOPE-${tag}` } });
    equal((none.entry || []).length, 0, 'search by an unknown identifier: no entry');
  });

  await step('Patient/$match by identifier', async () => {
    const input = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: mrn }] } },
        { name: 'onlyCertainMatches', valueBoolean: true },
      ],
    };
    const bundle = await client.operation({ name: '$match', resourceType: 'Patient', method: 'POST', input });
    equal(bundle.type, 'searchset', '$match: searchset');
    const matches = (bundle.entry || []).filter((e) => e.search && e.search.mode === 'match');
    equal(matches.map((e) => `Patient/${e.resource.id}`), [golden], '$match: the golden patient, certain');
    if (matches.length === 1) {
      equal(matches[0].search.score, 1, '$match: a shared identifier scores 1');
      equal(matches[0].search.extension, [{ url: 'http://hl7.org/fhir/StructureDefinition/match-grade', valueCode: 'certain' }],
        '$match: match-grade certain');
    }
  });

  // A transaction: the Patient by urn:uuid, an Observation and a DiagnosticReport referring to it
  // and to each other.
  const pUuid = `urn:uuid:${crypto.randomUUID()}`;
  const oUuid = `urn:uuid:${crypto.randomUUID()}`;
  const rUuid = `urn:uuid:${crypto.randomUUID()}`;
  const txMrn = `KIT-TX-${tag}`;
  const txPatient = { resourceType: 'Patient', identifier: [{ system: SYSTEM, value: txMrn }], name: [{ family: 'Zhao', given: ['Lei'] }], birthDate: '1988-02-29' };
  const txObservation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }] },
    subject: { reference: pUuid },
    effectiveDateTime: '2026-11-20T08:30:00+08:00',
    valueQuantity: { value: 6.1, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  };
  const txReport = {
    resourceType: 'DiagnosticReport',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '24323-8', display: 'Comprehensive metabolic panel' }] },
    subject: { reference: pUuid },
    effectiveDateTime: '2026-11-20T08:30:00+08:00',
    result: [{ reference: oUuid }],
  };
  const transaction = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: pUuid, resource: txPatient, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: oUuid, resource: txObservation, request: { method: 'POST', url: 'Observation' } },
      { fullUrl: rUuid, resource: txReport, request: { method: 'POST', url: 'DiagnosticReport' } },
    ],
  };
  let locations = null;
  await step('transaction', async () => {
    const resp = await client.transaction({ body: transaction });
    equal(resp.resourceType, 'Bundle', 'transaction: a Bundle');
    equal(resp.type, 'transaction-response', 'transaction: transaction-response');
    equal((resp.entry || []).length, 3, 'transaction: one response entry per request entry');
    if ((resp.entry || []).length !== 3) return;
    locations = resp.entry.map((e, i) => {
      check(/^201\b/.test(e.response && e.response.status), `transaction entry ${i}: 201`, e.response);
      return typeAndId(e.response && e.response.location);
    });
    equal(locations.map((l) => l && l.split('/')[0]), ['Patient', 'Observation', 'DiagnosticReport'],
      'transaction: the Locations, in entry order');
  });

  if (locations && locations.every(Boolean)) {
    await step('transaction read back', async () => {
      const [pType, pId] = locations[0].split('/');
      const patient = await client.read({ resourceType: pType, id: pId });
      equal(patient.identifier, txPatient.identifier, 'transaction Patient: identifier');
      equal(patient.name, txPatient.name, 'transaction Patient: name');
      equal(patient.birthDate, txPatient.birthDate, 'transaction Patient: birthDate');
      const txGolden = goldenOf(patient) || `Patient/${patient.id}`;
      const obs = await client.read({ resourceType: 'Observation', id: locations[1].split('/')[1] });
      for (const k of ['status', 'code', 'effectiveDateTime', 'valueQuantity']) equal(obs[k], txObservation[k], `transaction Observation: ${k}`);
      check([locations[0], txGolden].includes(obs.subject && obs.subject.reference),
        'transaction Observation: subject is the transaction\'s Patient (urn:uuid resolved)', obs.subject);
      const report = await client.read({ resourceType: 'DiagnosticReport', id: locations[2].split('/')[1] });
      for (const k of ['status', 'code', 'effectiveDateTime']) equal(report[k], txReport[k], `transaction DiagnosticReport: ${k}`);
      equal(report.subject && report.subject.reference, obs.subject && obs.subject.reference, 'transaction DiagnosticReport: same subject');
      equal((report.result || []).map((r) => r.reference), [locations[1]], 'transaction DiagnosticReport: result is the Observation (urn:uuid resolved)');

      // The report and its result in one search, with GET and with POST _search.
      const goldenId = txGolden.split('/')[1];
      for (const postSearch of [false, true]) {
        const how = postSearch ? 'POST _search' : 'GET';
        const b = await client.search({ resourceType: 'DiagnosticReport', searchParams: { patient: goldenId, _include: 'DiagnosticReport:result' }, options: { postSearch } });
        const got = (b.entry || []).map((e) => `${e.search && e.search.mode}:${e.resource.resourceType}/${e.resource.id}`).sort();
        equal(got, [`include:${locations[1]}`, `match:${locations[2]}`].sort(), `${how} DiagnosticReport?patient&_include=DiagnosticReport:result`);
      }
      const byCode = await client.search({ resourceType: 'Observation', searchParams: { patient: goldenId, code: `${LOINC}|2345-7` } });
      equal((byCode.entry || []).map((e) => `Observation/${e.resource.id}`), [locations[1]], 'Observation?patient&code=system|code');
    });
  }
}

async function run() {
  try {
    ({ Client } = await import('fhir-kit-client'));
  } catch (e) {
    console.error(`fhir-kit-client cannot be loaded (${e.message}): run \`make node-deps\` (npm ci in tests/integration)`);
    process.exit(2);
  }
  client = new Client({ baseUrl, bearerToken: token });
  await main();
}

run().then(() => {
  if (failures.length) {
    console.log(`fhir-kit-client: ${failures.length} of ${checks} checks failed:`);
    for (const f of failures) console.log(`  - ${f}`);
    process.exit(1);
  }
  console.log(`fhir-kit-client: all ${checks} checks passed`);
}, (e) => {
  console.error(e && e.stack || e);
  process.exit(1);
});
