// The pretty change-set form: its layout is what every golden file of the mapping tests holds.
#include "mappings/model/change_set_json.hpp"

#include <gtest/gtest.h>

namespace medgw::model {
namespace {

TEST(ChangeSetJson, EmptyChangeSetKeepsEveryKey) {
  EXPECT_EQ(to_json(ChangeSet{}), R"({
  "messageType": "",
  "messageControlId": "",
  "sender": "",
  "eventTime": "",
  "patient": null,
  "encounters": [],
  "orders": [],
  "reports": [],
  "observations": [],
  "documents": [],
  "studies": [],
  "merges": [],
  "warnings": []
}
)");
}

TEST(ChangeSetJson, ResourcesAndMerges) {
  ChangeSet c;
  c.message_type = "ADT^A40";
  c.message_control_id = "M1";
  c.sender = "HIS^HOSP";
  c.event_time = "2024-03-01T08:30:00+08:00";
  c.patient = PatientRecord{"HIS^HOSP", {}, {}, {}};
  c.patient->patient.gender = "female";
  Encounter e;
  e.status = "finished";
  c.encounters.push_back({"V1", e, {}, {}});
  Observation o;
  o.value = Quantity{{"4.50"}, "", "", "", ""};
  c.observations.push_back({"F1|2823-3|1", o, {}, {}});
  MergeRequest m;
  m.surviving.sender = "HIS^HOSP";
  m.prior.push_back({"", {}, "", "OLD1", {}, "HOSP"});
  c.merges.push_back(m);
  c.warnings.push_back("OBX[1]-6: unit not UCUM");
  EXPECT_EQ(to_json(c), R"({
  "messageType": "ADT^A40",
  "messageControlId": "M1",
  "sender": "HIS^HOSP",
  "eventTime": "2024-03-01T08:30:00+08:00",
  "patient": {
    "sender": "HIS^HOSP",
    "resource": {
      "resourceType": "Patient",
      "gender": "female"
    }
  },
  "encounters": [
    {
      "key": "V1",
      "resource": {
        "resourceType": "Encounter",
        "status": "finished"
      }
    }
  ],
  "orders": [],
  "reports": [],
  "observations": [
    {
      "key": "F1|2823-3|1",
      "resource": {
        "resourceType": "Observation",
        "valueQuantity": {
          "value": 4.50
        }
      }
    }
  ],
  "documents": [],
  "studies": [],
  "merges": [
    {
      "surviving": {
        "sender": "HIS^HOSP",
        "resource": {
          "resourceType": "Patient"
        }
      },
      "prior": [
        {
          "value": "OLD1",
          "assigner": {
            "display": "HOSP"
          }
        }
      ]
    }
  ],
  "warnings": [
    "OBX[1]-6: unit not UCUM"
  ]
}
)");
}

}  // namespace
}  // namespace medgw::model
