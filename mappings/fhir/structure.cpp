#include "mappings/fhir/structure.hpp"

#include <cctype>

#include "mappings/fhir/structure_nested.hpp"

namespace medgw::fhir {
namespace {

constexpr std::uint32_t N = kUnbounded;

// One line per element, like the spec's tables (so clang-format is off for them).
// clang-format off

// --- inherited elements -------------------------------------------------------------------------
constexpr ElementDef kElement[] = {
    {"id", "string", 0, 1},
    {"extension", "Extension", 0, N},
};
constexpr ElementDef kBackboneElement[] = {
    {"id", "string", 0, 1},
    {"extension", "Extension", 0, N},
    {"modifierExtension", "Extension", 0, N},
};
// Resource.id is "string" in the R4 snapshots (System.String); the spec's id rule applies to it.
constexpr ElementDef kResource[] = {
    {"id", "id", 0, 1},
    {"meta", "Meta", 0, 1},
    {"implicitRules", "uri", 0, 1},
    {"language", "code", 0, 1},
};
constexpr ElementDef kDomainResource[] = {
    {"id", "id", 0, 1},
    {"meta", "Meta", 0, 1},
    {"implicitRules", "uri", 0, 1},
    {"language", "code", 0, 1},
    {"text", "Narrative", 0, 1},
    {"contained", "Resource", 0, N},
    {"extension", "Extension", 0, N},
    {"modifierExtension", "Extension", 0, N},
};

// --- datatypes ----------------------------------------------------------------------------------
constexpr ElementDef kExtension[] = {
    {"url", "uri", 1, 1},
    {"value[x]", kAnyValueTypes, 0, 1},
};
constexpr ElementDef kCoding[] = {
    {"system", "uri", 0, 1},
    {"version", "string", 0, 1},
    {"code", "code", 0, 1},
    {"display", "string", 0, 1},
    {"userSelected", "boolean", 0, 1},
};
constexpr ElementDef kCodeableConcept[] = {
    {"coding", "Coding", 0, N},
    {"text", "string", 0, 1},
};
constexpr ElementDef kIdentifier[] = {
    {"use", "code", 0, 1},
    {"type", "CodeableConcept", 0, 1},
    {"system", "uri", 0, 1},
    {"value", "string", 0, 1},
    {"period", "Period", 0, 1},
    {"assigner", "Reference", 0, 1},
};
constexpr ElementDef kReference[] = {
    {"reference", "string", 0, 1},
    {"type", "uri", 0, 1},
    {"identifier", "Identifier", 0, 1},
    {"display", "string", 0, 1},
};
constexpr ElementDef kQuantity[] = {
    {"value", "decimal", 0, 1},
    {"comparator", "code", 0, 1},
    {"unit", "string", 0, 1},
    {"system", "uri", 0, 1},
    {"code", "code", 0, 1},
};
constexpr ElementDef kMoney[] = {
    {"value", "decimal", 0, 1},
    {"currency", "code", 0, 1},
};
constexpr ElementDef kPeriod[] = {
    {"start", "dateTime", 0, 1},
    {"end", "dateTime", 0, 1},
};
constexpr ElementDef kRange[] = {
    {"low", "Quantity", 0, 1},
    {"high", "Quantity", 0, 1},
};
constexpr ElementDef kRatio[] = {
    {"numerator", "Quantity", 0, 1},
    {"denominator", "Quantity", 0, 1},
};
constexpr ElementDef kSampledData[] = {
    {"origin", "Quantity", 1, 1},
    {"period", "decimal", 1, 1},
    {"factor", "decimal", 0, 1},
    {"lowerLimit", "decimal", 0, 1},
    {"upperLimit", "decimal", 0, 1},
    {"dimensions", "positiveInt", 1, 1},
    {"data", "string", 0, 1},
};
constexpr ElementDef kHumanName[] = {
    {"use", "code", 0, 1},
    {"text", "string", 0, 1},
    {"family", "string", 0, 1},
    {"given", "string", 0, N},
    {"prefix", "string", 0, N},
    {"suffix", "string", 0, N},
    {"period", "Period", 0, 1},
};
constexpr ElementDef kAddress[] = {
    {"use", "code", 0, 1},
    {"type", "code", 0, 1},
    {"text", "string", 0, 1},
    {"line", "string", 0, N},
    {"city", "string", 0, 1},
    {"district", "string", 0, 1},
    {"state", "string", 0, 1},
    {"postalCode", "string", 0, 1},
    {"country", "string", 0, 1},
    {"period", "Period", 0, 1},
};
constexpr ElementDef kContactPoint[] = {
    {"system", "code", 0, 1},
    {"value", "string", 0, 1},
    {"use", "code", 0, 1},
    {"rank", "positiveInt", 0, 1},
    {"period", "Period", 0, 1},
};
constexpr ElementDef kAnnotation[] = {
    {"author[x]", "Reference|string", 0, 1},
    {"time", "dateTime", 0, 1},
    {"text", "markdown", 1, 1},
};
constexpr ElementDef kAttachment[] = {
    {"contentType", "code", 0, 1},
    {"language", "code", 0, 1},
    {"data", "base64Binary", 0, 1},
    {"url", "url", 0, 1},
    {"size", "unsignedInt", 0, 1},
    {"hash", "base64Binary", 0, 1},
    {"title", "string", 0, 1},
    {"creation", "dateTime", 0, 1},
};
constexpr ElementDef kMeta[] = {
    {"versionId", "id", 0, 1},
    {"lastUpdated", "instant", 0, 1},
    {"source", "uri", 0, 1},
    {"profile", "canonical", 0, N},
    {"security", "Coding", 0, N},
    {"tag", "Coding", 0, N},
};
constexpr ElementDef kNarrative[] = {
    {"status", "code", 1, 1},
    {"div", "xhtml", 1, 1},
};
constexpr ElementDef kTiming[] = {
    {"event", "dateTime", 0, N},
    {"repeat", "Timing.repeat", 0, 1},
    {"code", "CodeableConcept", 0, 1},
};
constexpr ElementDef kTimingRepeat[] = {
    {"bounds[x]", "Duration|Range|Period", 0, 1},
    {"count", "positiveInt", 0, 1},
    {"countMax", "positiveInt", 0, 1},
    {"duration", "decimal", 0, 1},
    {"durationMax", "decimal", 0, 1},
    {"durationUnit", "code", 0, 1},
    {"frequency", "positiveInt", 0, 1},
    {"frequencyMax", "positiveInt", 0, 1},
    {"period", "decimal", 0, 1},
    {"periodMax", "decimal", 0, 1},
    {"periodUnit", "code", 0, 1},
    {"dayOfWeek", "code", 0, N},
    {"timeOfDay", "time", 0, N},
    {"when", "code", 0, N},
    {"offset", "unsignedInt", 0, 1},
};
constexpr ElementDef kSignature[] = {
    {"type", "Coding", 1, N},
    {"when", "instant", 1, 1},
    {"who", "Reference", 1, 1},
    {"onBehalfOf", "Reference", 0, 1},
    {"targetFormat", "code", 0, 1},
    {"sigFormat", "code", 0, 1},
    {"data", "base64Binary", 0, 1},
};

// Dosage: for the MedicationRequests and MedicationStatements met nested (structure_nested.cpp);
// with a table, an Extension.valueDosage is validated too rather than reported as not validated.
constexpr ElementDef kDosage[] = {
    {"sequence", "integer", 0, 1},
    {"text", "string", 0, 1},
    {"additionalInstruction", "CodeableConcept", 0, N},
    {"patientInstruction", "string", 0, 1},
    {"timing", "Timing", 0, 1},
    {"asNeeded[x]", "boolean|CodeableConcept", 0, 1},
    {"site", "CodeableConcept", 0, 1},
    {"route", "CodeableConcept", 0, 1},
    {"method", "CodeableConcept", 0, 1},
    {"doseAndRate", "Dosage.doseAndRate", 0, N},
    {"maxDosePerPeriod", "Ratio", 0, 1},
    {"maxDosePerAdministration", "Quantity", 0, 1},
    {"maxDosePerLifetime", "Quantity", 0, 1},
};
constexpr ElementDef kDosageDoseAndRate[] = {
    {"type", "CodeableConcept", 0, 1},
    {"dose[x]", "Range|Quantity", 0, 1},
    {"rate[x]", "Ratio|Range|Quantity", 0, 1},
};

// --- Patient ------------------------------------------------------------------------------------
constexpr ElementDef kPatient[] = {
    {"identifier", "Identifier", 0, N},
    {"active", "boolean", 0, 1},
    {"name", "HumanName", 0, N},
    {"telecom", "ContactPoint", 0, N},
    {"gender", "code", 0, 1},
    {"birthDate", "date", 0, 1},
    {"deceased[x]", "boolean|dateTime", 0, 1},
    {"address", "Address", 0, N},
    {"maritalStatus", "CodeableConcept", 0, 1},
    {"multipleBirth[x]", "boolean|integer", 0, 1},
    {"photo", "Attachment", 0, N},
    {"contact", "Patient.contact", 0, N},
    {"communication", "Patient.communication", 0, N},
    {"generalPractitioner", "Reference", 0, N},
    {"managingOrganization", "Reference", 0, 1},
    {"link", "Patient.link", 0, N},
};
constexpr ElementDef kPatientContact[] = {
    {"relationship", "CodeableConcept", 0, N},
    {"name", "HumanName", 0, 1},
    {"telecom", "ContactPoint", 0, N},
    {"address", "Address", 0, 1},
    {"gender", "code", 0, 1},
    {"organization", "Reference", 0, 1},
    {"period", "Period", 0, 1},
};
constexpr ElementDef kPatientCommunication[] = {
    {"language", "CodeableConcept", 1, 1},
    {"preferred", "boolean", 0, 1},
};
constexpr ElementDef kPatientLink[] = {
    {"other", "Reference", 1, 1},
    {"type", "code", 1, 1},
};

// --- Encounter ----------------------------------------------------------------------------------
constexpr ElementDef kEncounter[] = {
    {"identifier", "Identifier", 0, N},
    {"status", "code", 1, 1},
    {"statusHistory", "Encounter.statusHistory", 0, N},
    {"class", "Coding", 1, 1},
    {"classHistory", "Encounter.classHistory", 0, N},
    {"type", "CodeableConcept", 0, N},
    {"serviceType", "CodeableConcept", 0, 1},
    {"priority", "CodeableConcept", 0, 1},
    {"subject", "Reference", 0, 1},
    {"episodeOfCare", "Reference", 0, N},
    {"basedOn", "Reference", 0, N},
    {"participant", "Encounter.participant", 0, N},
    {"appointment", "Reference", 0, N},
    {"period", "Period", 0, 1},
    {"length", "Duration", 0, 1},
    {"reasonCode", "CodeableConcept", 0, N},
    {"reasonReference", "Reference", 0, N},
    {"diagnosis", "Encounter.diagnosis", 0, N},
    {"account", "Reference", 0, N},
    {"hospitalization", "Encounter.hospitalization", 0, 1},
    {"location", "Encounter.location", 0, N},
    {"serviceProvider", "Reference", 0, 1},
    {"partOf", "Reference", 0, 1},
};
constexpr ElementDef kEncounterStatusHistory[] = {
    {"status", "code", 1, 1},
    {"period", "Period", 1, 1},
};
constexpr ElementDef kEncounterClassHistory[] = {
    {"class", "Coding", 1, 1},
    {"period", "Period", 1, 1},
};
constexpr ElementDef kEncounterParticipant[] = {
    {"type", "CodeableConcept", 0, N},
    {"period", "Period", 0, 1},
    {"individual", "Reference", 0, 1},
};
constexpr ElementDef kEncounterDiagnosis[] = {
    {"condition", "Reference", 1, 1},
    {"use", "CodeableConcept", 0, 1},
    {"rank", "positiveInt", 0, 1},
};
constexpr ElementDef kEncounterHospitalization[] = {
    {"preAdmissionIdentifier", "Identifier", 0, 1},
    {"origin", "Reference", 0, 1},
    {"admitSource", "CodeableConcept", 0, 1},
    {"reAdmission", "CodeableConcept", 0, 1},
    {"dietPreference", "CodeableConcept", 0, N},
    {"specialCourtesy", "CodeableConcept", 0, N},
    {"specialArrangement", "CodeableConcept", 0, N},
    {"destination", "Reference", 0, 1},
    {"dischargeDisposition", "CodeableConcept", 0, 1},
};
constexpr ElementDef kEncounterLocation[] = {
    {"location", "Reference", 1, 1},
    {"status", "code", 0, 1},
    {"physicalType", "CodeableConcept", 0, 1},
    {"period", "Period", 0, 1},
};

// --- Observation --------------------------------------------------------------------------------
constexpr std::string_view kObservationValue =
    "Quantity|CodeableConcept|string|boolean|integer|Range|Ratio|SampledData|time|dateTime|Period";

constexpr ElementDef kObservation[] = {
    {"identifier", "Identifier", 0, N},
    {"basedOn", "Reference", 0, N},
    {"partOf", "Reference", 0, N},
    {"status", "code", 1, 1},
    {"category", "CodeableConcept", 0, N},
    {"code", "CodeableConcept", 1, 1},
    {"subject", "Reference", 0, 1},
    {"focus", "Reference", 0, N},
    {"encounter", "Reference", 0, 1},
    {"effective[x]", "dateTime|Period|Timing|instant", 0, 1},
    {"issued", "instant", 0, 1},
    {"performer", "Reference", 0, N},
    {"value[x]", kObservationValue, 0, 1},
    {"dataAbsentReason", "CodeableConcept", 0, 1},
    {"interpretation", "CodeableConcept", 0, N},
    {"note", "Annotation", 0, N},
    {"bodySite", "CodeableConcept", 0, 1},
    {"method", "CodeableConcept", 0, 1},
    {"specimen", "Reference", 0, 1},
    {"device", "Reference", 0, 1},
    {"referenceRange", "Observation.referenceRange", 0, N},
    {"hasMember", "Reference", 0, N},
    {"derivedFrom", "Reference", 0, N},
    {"component", "Observation.component", 0, N},
};
constexpr ElementDef kObservationReferenceRange[] = {
    {"low", "Quantity", 0, 1},
    {"high", "Quantity", 0, 1},
    {"type", "CodeableConcept", 0, 1},
    {"appliesTo", "CodeableConcept", 0, N},
    {"age", "Range", 0, 1},
    {"text", "string", 0, 1},
};
constexpr ElementDef kObservationComponent[] = {
    {"code", "CodeableConcept", 1, 1},
    {"value[x]", kObservationValue, 0, 1},
    {"dataAbsentReason", "CodeableConcept", 0, 1},
    {"interpretation", "CodeableConcept", 0, N},
    {"referenceRange", "Observation.referenceRange", 0, N},
};

// --- DiagnosticReport ---------------------------------------------------------------------------
constexpr ElementDef kDiagnosticReport[] = {
    {"identifier", "Identifier", 0, N},
    {"basedOn", "Reference", 0, N},
    {"status", "code", 1, 1},
    {"category", "CodeableConcept", 0, N},
    {"code", "CodeableConcept", 1, 1},
    {"subject", "Reference", 0, 1},
    {"encounter", "Reference", 0, 1},
    {"effective[x]", "dateTime|Period", 0, 1},
    {"issued", "instant", 0, 1},
    {"performer", "Reference", 0, N},
    {"resultsInterpreter", "Reference", 0, N},
    {"specimen", "Reference", 0, N},
    {"result", "Reference", 0, N},
    {"imagingStudy", "Reference", 0, N},
    {"media", "DiagnosticReport.media", 0, N},
    {"conclusion", "string", 0, 1},
    {"conclusionCode", "CodeableConcept", 0, N},
    {"presentedForm", "Attachment", 0, N},
};
constexpr ElementDef kDiagnosticReportMedia[] = {
    {"comment", "string", 0, 1},
    {"link", "Reference", 1, 1},
};

// --- ServiceRequest -----------------------------------------------------------------------------
constexpr ElementDef kServiceRequest[] = {
    {"identifier", "Identifier", 0, N},
    {"instantiatesCanonical", "canonical", 0, N},
    {"instantiatesUri", "uri", 0, N},
    {"basedOn", "Reference", 0, N},
    {"replaces", "Reference", 0, N},
    {"requisition", "Identifier", 0, 1},
    {"status", "code", 1, 1},
    {"intent", "code", 1, 1},
    {"category", "CodeableConcept", 0, N},
    {"priority", "code", 0, 1},
    {"doNotPerform", "boolean", 0, 1},
    {"code", "CodeableConcept", 0, 1},
    {"orderDetail", "CodeableConcept", 0, N},
    {"quantity[x]", "Quantity|Ratio|Range", 0, 1},
    {"subject", "Reference", 1, 1},
    {"encounter", "Reference", 0, 1},
    {"occurrence[x]", "dateTime|Period|Timing", 0, 1},
    {"asNeeded[x]", "boolean|CodeableConcept", 0, 1},
    {"authoredOn", "dateTime", 0, 1},
    {"requester", "Reference", 0, 1},
    {"performerType", "CodeableConcept", 0, 1},
    {"performer", "Reference", 0, N},
    {"locationCode", "CodeableConcept", 0, N},
    {"locationReference", "Reference", 0, N},
    {"reasonCode", "CodeableConcept", 0, N},
    {"reasonReference", "Reference", 0, N},
    {"insurance", "Reference", 0, N},
    {"supportingInfo", "Reference", 0, N},
    {"specimen", "Reference", 0, N},
    {"bodySite", "CodeableConcept", 0, N},
    {"note", "Annotation", 0, N},
    {"patientInstruction", "string", 0, 1},
    {"relevantHistory", "Reference", 0, N},
};

// --- DocumentReference --------------------------------------------------------------------------
constexpr ElementDef kDocumentReference[] = {
    {"masterIdentifier", "Identifier", 0, 1},
    {"identifier", "Identifier", 0, N},
    {"status", "code", 1, 1},
    {"docStatus", "code", 0, 1},
    {"type", "CodeableConcept", 0, 1},
    {"category", "CodeableConcept", 0, N},
    {"subject", "Reference", 0, 1},
    {"date", "instant", 0, 1},
    {"author", "Reference", 0, N},
    {"authenticator", "Reference", 0, 1},
    {"custodian", "Reference", 0, 1},
    {"relatesTo", "DocumentReference.relatesTo", 0, N},
    {"description", "string", 0, 1},
    {"securityLabel", "CodeableConcept", 0, N},
    {"content", "DocumentReference.content", 1, N},
    {"context", "DocumentReference.context", 0, 1},
};
constexpr ElementDef kDocumentReferenceRelatesTo[] = {
    {"code", "code", 1, 1},
    {"target", "Reference", 1, 1},
};
constexpr ElementDef kDocumentReferenceContent[] = {
    {"attachment", "Attachment", 1, 1},
    {"format", "Coding", 0, 1},
};
constexpr ElementDef kDocumentReferenceContext[] = {
    {"encounter", "Reference", 0, N},
    {"event", "CodeableConcept", 0, N},
    {"period", "Period", 0, 1},
    {"facilityType", "CodeableConcept", 0, 1},
    {"practiceSetting", "CodeableConcept", 0, 1},
    {"sourcePatientInfo", "Reference", 0, 1},
    {"related", "Reference", 0, N},
};

// --- ImagingStudy -------------------------------------------------------------------------------
constexpr ElementDef kImagingStudy[] = {
    {"identifier", "Identifier", 0, N},
    {"status", "code", 1, 1},
    {"modality", "Coding", 0, N},
    {"subject", "Reference", 1, 1},
    {"encounter", "Reference", 0, 1},
    {"started", "dateTime", 0, 1},
    {"basedOn", "Reference", 0, N},
    {"referrer", "Reference", 0, 1},
    {"interpreter", "Reference", 0, N},
    {"endpoint", "Reference", 0, N},
    {"numberOfSeries", "unsignedInt", 0, 1},
    {"numberOfInstances", "unsignedInt", 0, 1},
    {"procedureReference", "Reference", 0, 1},
    {"procedureCode", "CodeableConcept", 0, N},
    {"location", "Reference", 0, 1},
    {"reasonCode", "CodeableConcept", 0, N},
    {"reasonReference", "Reference", 0, N},
    {"note", "Annotation", 0, N},
    {"description", "string", 0, 1},
    {"series", "ImagingStudy.series", 0, N},
};
constexpr ElementDef kImagingStudySeries[] = {
    {"uid", "id", 1, 1},
    {"number", "unsignedInt", 0, 1},
    {"modality", "Coding", 1, 1},
    {"description", "string", 0, 1},
    {"numberOfInstances", "unsignedInt", 0, 1},
    {"endpoint", "Reference", 0, N},
    {"bodySite", "Coding", 0, 1},
    {"laterality", "Coding", 0, 1},
    {"specimen", "Reference", 0, N},
    {"started", "dateTime", 0, 1},
    {"performer", "ImagingStudy.series.performer", 0, N},
    {"instance", "ImagingStudy.series.instance", 0, N},
};
constexpr ElementDef kImagingStudySeriesPerformer[] = {
    {"function", "CodeableConcept", 0, 1},
    {"actor", "Reference", 1, 1},
};
constexpr ElementDef kImagingStudySeriesInstance[] = {
    {"uid", "id", 1, 1},
    {"sopClass", "Coding", 1, 1},
    {"number", "unsignedInt", 0, 1},
    {"title", "string", 0, 1},
};

// --- Bundle -------------------------------------------------------------------------------------
constexpr ElementDef kBundle[] = {
    {"identifier", "Identifier", 0, 1},
    {"type", "code", 1, 1},
    {"timestamp", "instant", 0, 1},
    {"total", "unsignedInt", 0, 1},
    {"link", "Bundle.link", 0, N},
    {"entry", "Bundle.entry", 0, N},
    {"signature", "Signature", 0, 1},
};
constexpr ElementDef kBundleLink[] = {
    {"relation", "string", 1, 1},
    {"url", "uri", 1, 1},
};
constexpr ElementDef kBundleEntry[] = {
    {"link", "Bundle.link", 0, N},
    {"fullUrl", "uri", 0, 1},
    {"resource", "Resource", 0, 1},
    {"search", "Bundle.entry.search", 0, 1},
    {"request", "Bundle.entry.request", 0, 1},
    {"response", "Bundle.entry.response", 0, 1},
};
constexpr ElementDef kBundleEntrySearch[] = {
    {"mode", "code", 0, 1},
    {"score", "decimal", 0, 1},
};
constexpr ElementDef kBundleEntryRequest[] = {
    {"method", "code", 1, 1},
    {"url", "uri", 1, 1},
    {"ifNoneMatch", "string", 0, 1},
    {"ifModifiedSince", "instant", 0, 1},
    {"ifMatch", "string", 0, 1},
    {"ifNoneExist", "string", 0, 1},
};
constexpr ElementDef kBundleEntryResponse[] = {
    {"status", "string", 1, 1},
    {"location", "uri", 0, 1},
    {"etag", "string", 0, 1},
    {"lastModified", "instant", 0, 1},
    {"outcome", "Resource", 0, 1},
};

// clang-format on

using B = Base;
constexpr TypeDef kTypes[] = {
    // datatypes
    {"Extension", B::kElement, kExtension},
    {"Coding", B::kElement, kCoding},
    {"CodeableConcept", B::kElement, kCodeableConcept},
    {"Identifier", B::kElement, kIdentifier},
    {"Reference", B::kElement, kReference},
    {"Quantity", B::kElement, kQuantity},
    {"Duration", B::kElement, kQuantity},
    {"Age", B::kElement, kQuantity},
    {"Count", B::kElement, kQuantity},
    {"Distance", B::kElement, kQuantity},
    {"Money", B::kElement, kMoney},
    {"Period", B::kElement, kPeriod},
    {"Range", B::kElement, kRange},
    {"Ratio", B::kElement, kRatio},
    {"SampledData", B::kElement, kSampledData},
    {"HumanName", B::kElement, kHumanName},
    {"Address", B::kElement, kAddress},
    {"ContactPoint", B::kElement, kContactPoint},
    {"Annotation", B::kElement, kAnnotation},
    {"Attachment", B::kElement, kAttachment},
    {"Meta", B::kElement, kMeta},
    {"Narrative", B::kElement, kNarrative},
    {"Timing", B::kBackboneElement, kTiming},
    {"Timing.repeat", B::kElement, kTimingRepeat},
    {"Signature", B::kElement, kSignature},
    {"Dosage", B::kBackboneElement, kDosage},
    {"Dosage.doseAndRate", B::kElement, kDosageDoseAndRate},
    // resources and their backbone elements
    {"Patient", B::kDomainResource, kPatient},
    {"Patient.contact", B::kBackboneElement, kPatientContact},
    {"Patient.communication", B::kBackboneElement, kPatientCommunication},
    {"Patient.link", B::kBackboneElement, kPatientLink},
    {"Encounter", B::kDomainResource, kEncounter},
    {"Encounter.statusHistory", B::kBackboneElement, kEncounterStatusHistory},
    {"Encounter.classHistory", B::kBackboneElement, kEncounterClassHistory},
    {"Encounter.participant", B::kBackboneElement, kEncounterParticipant},
    {"Encounter.diagnosis", B::kBackboneElement, kEncounterDiagnosis},
    {"Encounter.hospitalization", B::kBackboneElement, kEncounterHospitalization},
    {"Encounter.location", B::kBackboneElement, kEncounterLocation},
    {"Observation", B::kDomainResource, kObservation},
    {"Observation.referenceRange", B::kBackboneElement, kObservationReferenceRange},
    {"Observation.component", B::kBackboneElement, kObservationComponent},
    {"DiagnosticReport", B::kDomainResource, kDiagnosticReport},
    {"DiagnosticReport.media", B::kBackboneElement, kDiagnosticReportMedia},
    {"ServiceRequest", B::kDomainResource, kServiceRequest},
    {"DocumentReference", B::kDomainResource, kDocumentReference},
    {"DocumentReference.relatesTo", B::kBackboneElement, kDocumentReferenceRelatesTo},
    {"DocumentReference.content", B::kBackboneElement, kDocumentReferenceContent},
    {"DocumentReference.context", B::kBackboneElement, kDocumentReferenceContext},
    {"ImagingStudy", B::kDomainResource, kImagingStudy},
    {"ImagingStudy.series", B::kBackboneElement, kImagingStudySeries},
    {"ImagingStudy.series.performer", B::kBackboneElement, kImagingStudySeriesPerformer},
    {"ImagingStudy.series.instance", B::kBackboneElement, kImagingStudySeriesInstance},
    {"Bundle", B::kResource, kBundle},
    {"Bundle.link", B::kBackboneElement, kBundleLink},
    {"Bundle.entry", B::kBackboneElement, kBundleEntry},
    {"Bundle.entry.search", B::kBackboneElement, kBundleEntrySearch},
    {"Bundle.entry.request", B::kBackboneElement, kBundleEntryRequest},
    {"Bundle.entry.response", B::kBackboneElement, kBundleEntryResponse},
};

constexpr std::string_view kSupportedResources[] = {
    "Patient",        "Encounter",         "Observation",  "DiagnosticReport",
    "ServiceRequest", "DocumentReference", "ImagingStudy", "Bundle",
};

std::span<const ElementDef> base_table(Base base) {
  switch (base) {
    case Base::kElement:
      return kElement;
    case Base::kBackboneElement:
      return kBackboneElement;
    case Base::kResource:
      return kResource;
    case Base::kDomainResource:
      return kDomainResource;
  }
  return kElement;
}

// "valueDateTime" selects "dateTime" of "value[x]": the suffix is the type with its first letter
// upper-cased.
bool suffix_names_type(std::string_view suffix, std::string_view type) {
  if (suffix.size() != type.size() || suffix.empty()) return false;
  if (suffix[0] != static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])))) return false;
  return suffix.substr(1) == type.substr(1);
}

}  // namespace

const TypeDef* find_type(std::string_view name) {
  for (const TypeDef& t : kTypes) {
    if (t.name == name) return &t;
  }
  for (const TypeDef& t : nested_resource_types()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const std::vector<TypeDef>& all_types() {
  static const std::vector<TypeDef> all = [] {
    std::vector<TypeDef> v(std::begin(kTypes), std::end(kTypes));
    const std::span<const TypeDef> nested = nested_resource_types();
    v.insert(v.end(), nested.begin(), nested.end());
    return v;
  }();
  return all;
}

bool is_supported_resource(std::string_view resource_type) {
  for (std::string_view t : kSupportedResources) {
    if (t == resource_type) return true;
  }
  return false;
}

std::array<std::span<const ElementDef>, 2> element_tables(const TypeDef& type) {
  return {base_table(type.base), type.elements};
}

std::optional<ElementMatch> find_element(const TypeDef& type, std::string_view json_name) {
  for (std::span<const ElementDef> table : element_tables(type)) {
    for (const ElementDef& e : table) {
      if (!e.is_choice()) {
        if (e.name == json_name) return ElementMatch{&e, e.types};
        continue;
      }
      const std::string_view stem = e.name.substr(0, e.name.size() - 3);
      if (!json_name.starts_with(stem)) continue;
      const std::string_view suffix = json_name.substr(stem.size());
      std::optional<ElementMatch> found;
      for_each_type(e.types, [&](std::string_view t) {
        if (!found && suffix_names_type(suffix, t)) found = ElementMatch{&e, t};
      });
      if (found) return found;
    }
  }
  return std::nullopt;
}

}  // namespace medgw::fhir
