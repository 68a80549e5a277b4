#include "mappings/fhir/structure_nested.hpp"

namespace medgw::fhir {
namespace {

constexpr std::uint32_t N = kUnbounded;

// Condition.onset[x], abatement[x] and AllergyIntolerance.onset[x].
constexpr std::string_view kOnset = "dateTime|Age|Period|Range|string";

// One line per element, like the spec's tables (so clang-format is off for them).
// clang-format off

// --- OperationOutcome: medgw writes one for every error -----------------------------------------
constexpr ElementDef kOperationOutcome[] = {
    {"issue", "OperationOutcome.issue", 1, N},
};
constexpr ElementDef kOperationOutcomeIssue[] = {
    {"severity", "code", 1, 1},
    {"code", "code", 1, 1},
    {"details", "CodeableConcept", 0, 1},
    {"diagnostics", "string", 0, 1},
    {"location", "string", 0, N},
    {"expression", "string", 0, N},
};

// --- Parameters (a transaction's or a batch's operation entries) --------------------------------
constexpr ElementDef kParameters[] = {
    {"parameter", "Parameters.parameter", 0, N},
};
constexpr ElementDef kParametersParameter[] = {
    {"name", "string", 1, 1},
    {"value[x]", kAnyValueTypes, 0, 1},
    {"resource", "Resource", 0, 1},
    {"part", "Parameters.parameter", 0, N},
};

// --- MessageHeader (message Bundles) ------------------------------------------------------------
constexpr ElementDef kMessageHeader[] = {
    {"event[x]", "Coding|uri", 1, 1},
    {"destination", "MessageHeader.destination", 0, N},
    {"sender", "Reference", 0, 1},
    {"enterer", "Reference", 0, 1},
    {"author", "Reference", 0, 1},
    {"source", "MessageHeader.source", 1, 1},
    {"responsible", "Reference", 0, 1},
    {"reason", "CodeableConcept", 0, 1},
    {"response", "MessageHeader.response", 0, 1},
    {"focus", "Reference", 0, N},
    {"definition", "canonical", 0, 1},
};
constexpr ElementDef kMessageHeaderDestination[] = {
    {"name", "string", 0, 1},
    {"target", "Reference", 0, 1},
    {"endpoint", "url", 1, 1},
    {"receiver", "Reference", 0, 1},
};
constexpr ElementDef kMessageHeaderSource[] = {
    {"name", "string", 0, 1},
    {"software", "string", 0, 1},
    {"version", "string", 0, 1},
    {"contact", "ContactPoint", 0, 1},
    {"endpoint", "url", 1, 1},
};
constexpr ElementDef kMessageHeaderResponse[] = {
    {"identifier", "id", 1, 1},
    {"code", "code", 1, 1},
    {"details", "Reference", 0, 1},
};

// --- Binary -------------------------------------------------------------------------------------
constexpr ElementDef kBinary[] = {
    {"contentType", "code", 1, 1},
    {"securityContext", "Reference", 0, 1},
    {"data", "base64Binary", 0, 1},
};

// --- Practitioner -------------------------------------------------------------------------------
constexpr ElementDef kPractitioner[] = {
    {"identifier", "Identifier", 0, N},
    {"active", "boolean", 0, 1},
    {"name", "HumanName", 0, N},
    {"telecom", "ContactPoint", 0, N},
    {"address", "Address", 0, N},
    {"gender", "code", 0, 1},
    {"birthDate", "date", 0, 1},
    {"photo", "Attachment", 0, N},
    {"qualification", "Practitioner.qualification", 0, N},
    {"communication", "CodeableConcept", 0, N},
};
constexpr ElementDef kPractitionerQualification[] = {
    {"identifier", "Identifier", 0, N},
    {"code", "CodeableConcept", 1, 1},
    {"period", "Period", 0, 1},
    {"issuer", "Reference", 0, 1},
};

// --- Location -----------------------------------------------------------------------------------
constexpr ElementDef kLocation[] = {
    {"identifier", "Identifier", 0, N},
    {"status", "code", 0, 1},
    {"operationalStatus", "Coding", 0, 1},
    {"name", "string", 0, 1},
    {"alias", "string", 0, N},
    {"description", "string", 0, 1},
    {"mode", "code", 0, 1},
    {"type", "CodeableConcept", 0, N},
    {"telecom", "ContactPoint", 0, N},
    {"address", "Address", 0, 1},
    {"physicalType", "CodeableConcept", 0, 1},
    {"position", "Location.position", 0, 1},
    {"managingOrganization", "Reference", 0, 1},
    {"partOf", "Reference", 0, 1},
    {"hoursOfOperation", "Location.hoursOfOperation", 0, N},
    {"availabilityExceptions", "string", 0, 1},
    {"endpoint", "Reference", 0, N},
};
constexpr ElementDef kLocationPosition[] = {
    {"longitude", "decimal", 1, 1},
    {"latitude", "decimal", 1, 1},
    {"altitude", "decimal", 0, 1},
};
constexpr ElementDef kLocationHoursOfOperation[] = {
    {"daysOfWeek", "code", 0, N},
    {"allDay", "boolean", 0, 1},
    {"openingTime", "time", 0, 1},
    {"closingTime", "time", 0, 1},
};

// --- Condition ----------------------------------------------------------------------------------
constexpr ElementDef kCondition[] = {
    {"identifier", "Identifier", 0, N},
    {"clinicalStatus", "CodeableConcept", 0, 1},
    {"verificationStatus", "CodeableConcept", 0, 1},
    {"category", "CodeableConcept", 0, N},
    {"severity", "CodeableConcept", 0, 1},
    {"code", "CodeableConcept", 0, 1},
    {"bodySite", "CodeableConcept", 0, N},
    {"subject", "Reference", 1, 1},
    {"encounter", "Reference", 0, 1},
    {"onset[x]", kOnset, 0, 1},
    {"abatement[x]", kOnset, 0, 1},
    {"recordedDate", "dateTime", 0, 1},
    {"recorder", "Reference", 0, 1},
    {"asserter", "Reference", 0, 1},
    {"stage", "Condition.stage", 0, N},
    {"evidence", "Condition.evidence", 0, N},
    {"note", "Annotation", 0, N},
};
constexpr ElementDef kConditionStage[] = {
    {"summary", "CodeableConcept", 0, 1},
    {"assessment", "Reference", 0, N},
    {"type", "CodeableConcept", 0, 1},
};
constexpr ElementDef kConditionEvidence[] = {
    {"code", "CodeableConcept", 0, N},
    {"detail", "Reference", 0, N},
};

// --- AllergyIntolerance -------------------------------------------------------------------------
constexpr ElementDef kAllergyIntolerance[] = {
    {"identifier", "Identifier", 0, N},
    {"clinicalStatus", "CodeableConcept", 0, 1},
    {"verificationStatus", "CodeableConcept", 0, 1},
    {"type", "code", 0, 1},
    {"category", "code", 0, N},
    {"criticality", "code", 0, 1},
    {"code", "CodeableConcept", 0, 1},
    {"patient", "Reference", 1, 1},
    {"encounter", "Reference", 0, 1},
    {"onset[x]", kOnset, 0, 1},
    {"recordedDate", "dateTime", 0, 1},
    {"recorder", "Reference", 0, 1},
    {"asserter", "Reference", 0, 1},
    {"lastOccurrence", "dateTime", 0, 1},
    {"note", "Annotation", 0, N},
    {"reaction", "AllergyIntolerance.reaction", 0, N},
};
constexpr ElementDef kAllergyIntoleranceReaction[] = {
    {"substance", "CodeableConcept", 0, 1},
    {"manifestation", "CodeableConcept", 1, N},
    {"description", "string", 0, 1},
    {"onset", "dateTime", 0, 1},
    {"severity", "code", 0, 1},
    {"exposureRoute", "CodeableConcept", 0, 1},
    {"note", "Annotation", 0, N},
};

// --- Medication ---------------------------------------------------------------------------------
constexpr ElementDef kMedication[] = {
    {"identifier", "Identifier", 0, N},
    {"code", "CodeableConcept", 0, 1},
    {"status", "code", 0, 1},
    {"manufacturer", "Reference", 0, 1},
    {"form", "CodeableConcept", 0, 1},
    {"amount", "Ratio", 0, 1},
    {"ingredient", "Medication.ingredient", 0, N},
    {"batch", "Medication.batch", 0, 1},
};
constexpr ElementDef kMedicationIngredient[] = {
    {"item[x]", "CodeableConcept|Reference", 1, 1},
    {"isActive", "boolean", 0, 1},
    {"strength", "Ratio", 0, 1},
};
constexpr ElementDef kMedicationBatch[] = {
    {"lotNumber", "string", 0, 1},
    {"expirationDate", "dateTime", 0, 1},
};

// --- MedicationRequest --------------------------------------------------------------------------
constexpr ElementDef kMedicationRequest[] = {
    {"identifier", "Identifier", 0, N},
    {"status", "code", 1, 1},
    {"statusReason", "CodeableConcept", 0, 1},
    {"intent", "code", 1, 1},
    {"category", "CodeableConcept", 0, N},
    {"priority", "code", 0, 1},
    {"doNotPerform", "boolean", 0, 1},
    {"reported[x]", "boolean|Reference", 0, 1},
    {"medication[x]", "CodeableConcept|Reference", 1, 1},
    {"subject", "Reference", 1, 1},
    {"encounter", "Reference", 0, 1},
    {"supportingInformation", "Reference", 0, N},
    {"authoredOn", "dateTime", 0, 1},
    {"requester", "Reference", 0, 1},
    {"performer", "Reference", 0, 1},
    {"performerType", "CodeableConcept", 0, 1},
    {"recorder", "Reference", 0, 1},
    {"reasonCode", "CodeableConcept", 0, N},
    {"reasonReference", "Reference", 0, N},
    {"instantiatesCanonical", "canonical", 0, N},
    {"instantiatesUri", "uri", 0, N},
    {"basedOn", "Reference", 0, N},
    {"groupIdentifier", "Identifier", 0, 1},
    {"courseOfTherapyType", "CodeableConcept", 0, 1},
    {"insurance", "Reference", 0, N},
    {"note", "Annotation", 0, N},
    {"dosageInstruction", "Dosage", 0, N},
    {"dispenseRequest", "MedicationRequest.dispenseRequest", 0, 1},
    {"substitution", "MedicationRequest.substitution", 0, 1},
    {"priorPrescription", "Reference", 0, 1},
    {"detectedIssue", "Reference", 0, N},
    {"eventHistory", "Reference", 0, N},
};
constexpr ElementDef kMedicationRequestDispenseRequest[] = {
    {"initialFill", "MedicationRequest.dispenseRequest.initialFill", 0, 1},
    {"dispenseInterval", "Duration", 0, 1},
    {"validityPeriod", "Period", 0, 1},
    {"numberOfRepeatsAllowed", "unsignedInt", 0, 1},
    {"quantity", "Quantity", 0, 1},
    {"expectedSupplyDuration", "Duration", 0, 1},
    {"performer", "Reference", 0, 1},
};
constexpr ElementDef kMedicationRequestDispenseRequestInitialFill[] = {
    {"quantity", "Quantity", 0, 1},
    {"duration", "Duration", 0, 1},
};
constexpr ElementDef kMedicationRequestSubstitution[] = {
    {"allowed[x]", "boolean|CodeableConcept", 1, 1},
    {"reason", "CodeableConcept", 0, 1},
};

// --- MedicationStatement ------------------------------------------------------------------------
constexpr ElementDef kMedicationStatement[] = {
    {"identifier", "Identifier", 0, N},
    {"basedOn", "Reference", 0, N},
    {"partOf", "Reference", 0, N},
    {"status", "code", 1, 1},
    {"statusReason", "CodeableConcept", 0, N},
    {"category", "CodeableConcept", 0, 1},
    {"medication[x]", "CodeableConcept|Reference", 1, 1},
    {"subject", "Reference", 1, 1},
    {"context", "Reference", 0, 1},
    {"effective[x]", "dateTime|Period", 0, 1},
    {"dateAsserted", "dateTime", 0, 1},
    {"informationSource", "Reference", 0, 1},
    {"derivedFrom", "Reference", 0, N},
    {"reasonCode", "CodeableConcept", 0, N},
    {"reasonReference", "Reference", 0, N},
    {"note", "Annotation", 0, N},
    {"dosage", "Dosage", 0, N},
};

// --- Composition (document Bundles) -------------------------------------------------------------
constexpr ElementDef kComposition[] = {
    {"identifier", "Identifier", 0, 1},
    {"status", "code", 1, 1},
    {"type", "CodeableConcept", 1, 1},
    {"category", "CodeableConcept", 0, N},
    {"subject", "Reference", 0, 1},
    {"encounter", "Reference", 0, 1},
    {"date", "dateTime", 1, 1},
    {"author", "Reference", 1, N},
    {"title", "string", 1, 1},
    {"confidentiality", "code", 0, 1},
    {"attester", "Composition.attester", 0, N},
    {"custodian", "Reference", 0, 1},
    {"relatesTo", "Composition.relatesTo", 0, N},
    {"event", "Composition.event", 0, N},
    {"section", "Composition.section", 0, N},
};
constexpr ElementDef kCompositionAttester[] = {
    {"mode", "code", 1, 1},
    {"time", "dateTime", 0, 1},
    {"party", "Reference", 0, 1},
};
constexpr ElementDef kCompositionRelatesTo[] = {
    {"code", "code", 1, 1},
    {"target[x]", "Identifier|Reference", 1, 1},
};
constexpr ElementDef kCompositionEvent[] = {
    {"code", "CodeableConcept", 0, N},
    {"period", "Period", 0, 1},
    {"detail", "Reference", 0, N},
};
constexpr ElementDef kCompositionSection[] = {
    {"title", "string", 0, 1},
    {"code", "CodeableConcept", 0, 1},
    {"author", "Reference", 0, N},
    {"focus", "Reference", 0, 1},
    {"text", "Narrative", 0, 1},
    {"mode", "code", 0, 1},
    {"orderedBy", "CodeableConcept", 0, 1},
    {"entry", "Reference", 0, N},
    {"emptyReason", "CodeableConcept", 0, 1},
    {"section", "Composition.section", 0, N},
};

// --- Specimen -----------------------------------------------------------------------------------
constexpr ElementDef kSpecimen[] = {
    {"identifier", "Identifier", 0, N},
    {"accessionIdentifier", "Identifier", 0, 1},
    {"status", "code", 0, 1},
    {"type", "CodeableConcept", 0, 1},
    {"subject", "Reference", 0, 1},
    {"receivedTime", "dateTime", 0, 1},
    {"parent", "Reference", 0, N},
    {"request", "Reference", 0, N},
    {"collection", "Specimen.collection", 0, 1},
    {"processing", "Specimen.processing", 0, N},
    {"container", "Specimen.container", 0, N},
    {"condition", "CodeableConcept", 0, N},
    {"note", "Annotation", 0, N},
};
constexpr ElementDef kSpecimenCollection[] = {
    {"collector", "Reference", 0, 1},
    {"collected[x]", "dateTime|Period", 0, 1},
    {"duration", "Duration", 0, 1},
    {"quantity", "Quantity", 0, 1},
    {"method", "CodeableConcept", 0, 1},
    {"bodySite", "CodeableConcept", 0, 1},
    {"fastingStatus[x]", "CodeableConcept|Duration", 0, 1},
};
constexpr ElementDef kSpecimenProcessing[] = {
    {"description", "string", 0, 1},
    {"procedure", "CodeableConcept", 0, 1},
    {"additive", "Reference", 0, N},
    {"time[x]", "dateTime|Period", 0, 1},
};
constexpr ElementDef kSpecimenContainer[] = {
    {"identifier", "Identifier", 0, N},
    {"description", "string", 0, 1},
    {"type", "CodeableConcept", 0, 1},
    {"capacity", "Quantity", 0, 1},
    {"specimenQuantity", "Quantity", 0, 1},
    {"additive[x]", "CodeableConcept|Reference", 0, 1},
};

// --- Provenance ---------------------------------------------------------------------------------
constexpr ElementDef kProvenance[] = {
    {"target", "Reference", 1, N},
    {"occurred[x]", "Period|dateTime", 0, 1},
    {"recorded", "instant", 1, 1},
    {"policy", "uri", 0, N},
    {"location", "Reference", 0, 1},
    {"reason", "CodeableConcept", 0, N},
    {"activity", "CodeableConcept", 0, 1},
    {"agent", "Provenance.agent", 1, N},
    {"entity", "Provenance.entity", 0, N},
    {"signature", "Signature", 0, N},
};
constexpr ElementDef kProvenanceAgent[] = {
    {"type", "CodeableConcept", 0, 1},
    {"role", "CodeableConcept", 0, N},
    {"who", "Reference", 1, 1},
    {"onBehalfOf", "Reference", 0, 1},
};
constexpr ElementDef kProvenanceEntity[] = {
    {"role", "code", 1, 1},
    {"what", "Reference", 1, 1},
    {"agent", "Provenance.agent", 0, N},
};

// --- MolecularSequence --------------------------------------------------------------------------
constexpr ElementDef kMolecularSequence[] = {
    {"identifier", "Identifier", 0, N},
    {"type", "code", 0, 1},
    {"coordinateSystem", "integer", 1, 1},
    {"patient", "Reference", 0, 1},
    {"specimen", "Reference", 0, 1},
    {"device", "Reference", 0, 1},
    {"performer", "Reference", 0, 1},
    {"quantity", "Quantity", 0, 1},
    {"referenceSeq", "MolecularSequence.referenceSeq", 0, 1},
    {"variant", "MolecularSequence.variant", 0, N},
    {"observedSeq", "string", 0, 1},
    {"quality", "MolecularSequence.quality", 0, N},
    {"readCoverage", "integer", 0, 1},
    {"repository", "MolecularSequence.repository", 0, N},
    {"pointer", "Reference", 0, N},
    {"structureVariant", "MolecularSequence.structureVariant", 0, N},
};
constexpr ElementDef kMolecularSequenceReferenceSeq[] = {
    {"chromosome", "CodeableConcept", 0, 1},
    {"genomeBuild", "string", 0, 1},
    {"orientation", "code", 0, 1},
    {"referenceSeqId", "CodeableConcept", 0, 1},
    {"referenceSeqPointer", "Reference", 0, 1},
    {"referenceSeqString", "string", 0, 1},
    {"strand", "code", 0, 1},
    {"windowStart", "integer", 0, 1},
    {"windowEnd", "integer", 0, 1},
};
constexpr ElementDef kMolecularSequenceVariant[] = {
    {"start", "integer", 0, 1},
    {"end", "integer", 0, 1},
    {"observedAllele", "string", 0, 1},
    {"referenceAllele", "string", 0, 1},
    {"cigar", "string", 0, 1},
    {"variantPointer", "Reference", 0, 1},
};
constexpr ElementDef kMolecularSequenceQuality[] = {
    {"type", "code", 1, 1},
    {"standardSequence", "CodeableConcept", 0, 1},
    {"start", "integer", 0, 1},
    {"end", "integer", 0, 1},
    {"score", "Quantity", 0, 1},
    {"method", "CodeableConcept", 0, 1},
    {"truthTP", "decimal", 0, 1},
    {"queryTP", "decimal", 0, 1},
    {"truthFN", "decimal", 0, 1},
    {"queryFP", "decimal", 0, 1},
    {"gtFP", "decimal", 0, 1},
    {"precision", "decimal", 0, 1},
    {"recall", "decimal", 0, 1},
    {"fScore", "decimal", 0, 1},
    {"roc", "MolecularSequence.quality.roc", 0, 1},
};
constexpr ElementDef kMolecularSequenceQualityRoc[] = {
    {"score", "integer", 0, N},
    {"numTP", "integer", 0, N},
    {"numFP", "integer", 0, N},
    {"numFN", "integer", 0, N},
    {"precision", "decimal", 0, N},
    {"sensitivity", "decimal", 0, N},
    {"fMeasure", "decimal", 0, N},
};
constexpr ElementDef kMolecularSequenceRepository[] = {
    {"type", "code", 1, 1},
    {"url", "uri", 0, 1},
    {"name", "string", 0, 1},
    {"datasetId", "string", 0, 1},
    {"variantsetId", "string", 0, 1},
    {"readsetId", "string", 0, 1},
};
constexpr ElementDef kMolecularSequenceStructureVariant[] = {
    {"variantType", "CodeableConcept", 0, 1},
    {"exact", "boolean", 0, 1},
    {"length", "integer", 0, 1},
    {"outer", "MolecularSequence.structureVariant.outer", 0, 1},
    {"inner", "MolecularSequence.structureVariant.inner", 0, 1},
};
// outer and inner have the same two elements.
constexpr ElementDef kMolecularSequenceStructureVariantBound[] = {
    {"start", "integer", 0, 1},
    {"end", "integer", 0, 1},
};

// clang-format on

using B = Base;
constexpr TypeDef kNestedTypes[] = {
    {"OperationOutcome", B::kDomainResource, kOperationOutcome},
    {"OperationOutcome.issue", B::kBackboneElement, kOperationOutcomeIssue},
    {"Parameters", B::kResource, kParameters},
    {"Parameters.parameter", B::kBackboneElement, kParametersParameter},
    {"MessageHeader", B::kDomainResource, kMessageHeader},
    {"MessageHeader.destination", B::kBackboneElement, kMessageHeaderDestination},
    {"MessageHeader.source", B::kBackboneElement, kMessageHeaderSource},
    {"MessageHeader.response", B::kBackboneElement, kMessageHeaderResponse},
    {"Binary", B::kResource, kBinary},
    {"Practitioner", B::kDomainResource, kPractitioner},
    {"Practitioner.qualification", B::kBackboneElement, kPractitionerQualification},
    {"Location", B::kDomainResource, kLocation},
    {"Location.position", B::kBackboneElement, kLocationPosition},
    {"Location.hoursOfOperation", B::kBackboneElement, kLocationHoursOfOperation},
    {"Condition", B::kDomainResource, kCondition},
    {"Condition.stage", B::kBackboneElement, kConditionStage},
    {"Condition.evidence", B::kBackboneElement, kConditionEvidence},
    {"AllergyIntolerance", B::kDomainResource, kAllergyIntolerance},
    {"AllergyIntolerance.reaction", B::kBackboneElement, kAllergyIntoleranceReaction},
    {"Medication", B::kDomainResource, kMedication},
    {"Medication.ingredient", B::kBackboneElement, kMedicationIngredient},
    {"Medication.batch", B::kBackboneElement, kMedicationBatch},
    {"MedicationRequest", B::kDomainResource, kMedicationRequest},
    {"MedicationRequest.dispenseRequest", B::kBackboneElement, kMedicationRequestDispenseRequest},
    {"MedicationRequest.dispenseRequest.initialFill", B::kBackboneElement,
     kMedicationRequestDispenseRequestInitialFill},
    {"MedicationRequest.substitution", B::kBackboneElement, kMedicationRequestSubstitution},
    {"MedicationStatement", B::kDomainResource, kMedicationStatement},
    {"Composition", B::kDomainResource, kComposition},
    {"Composition.attester", B::kBackboneElement, kCompositionAttester},
    {"Composition.relatesTo", B::kBackboneElement, kCompositionRelatesTo},
    {"Composition.event", B::kBackboneElement, kCompositionEvent},
    {"Composition.section", B::kBackboneElement, kCompositionSection},
    {"Specimen", B::kDomainResource, kSpecimen},
    {"Specimen.collection", B::kBackboneElement, kSpecimenCollection},
    {"Specimen.processing", B::kBackboneElement, kSpecimenProcessing},
    {"Specimen.container", B::kBackboneElement, kSpecimenContainer},
    {"Provenance", B::kDomainResource, kProvenance},
    {"Provenance.agent", B::kBackboneElement, kProvenanceAgent},
    {"Provenance.entity", B::kBackboneElement, kProvenanceEntity},
    {"MolecularSequence", B::kDomainResource, kMolecularSequence},
    {"MolecularSequence.referenceSeq", B::kBackboneElement, kMolecularSequenceReferenceSeq},
    {"MolecularSequence.variant", B::kBackboneElement, kMolecularSequenceVariant},
    {"MolecularSequence.quality", B::kBackboneElement, kMolecularSequenceQuality},
    {"MolecularSequence.quality.roc", B::kBackboneElement, kMolecularSequenceQualityRoc},
    {"MolecularSequence.repository", B::kBackboneElement, kMolecularSequenceRepository},
    {"MolecularSequence.structureVariant", B::kBackboneElement, kMolecularSequenceStructureVariant},
    {"MolecularSequence.structureVariant.outer", B::kBackboneElement, kMolecularSequenceStructureVariantBound},
    {"MolecularSequence.structureVariant.inner", B::kBackboneElement, kMolecularSequenceStructureVariantBound},
};

}  // namespace

std::span<const TypeDef> nested_resource_types() {
  return kNestedTypes;
}

}  // namespace medgw::fhir
