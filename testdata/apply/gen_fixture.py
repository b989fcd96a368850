#!/usr/bin/env python3
"""Writes the test CCG package (testdata/apply/package) and data-in Bundle
(testdata/apply/data-in/patient-1.json) used by the engine tests: one
Folder with one CARD of each of the 13 CCG CARD types, one CQL Library,
a Questionnaire, and a patient whose Apply Guideline loop runs 6 rounds.
Run from the repository root: python3 testdata/apply/gen_fixture.py"""
import base64, json, os

BASE = "http://example.org/ccg-test"
OUT = "testdata/apply/package"
DATE = "2026-01-15T00:00:00Z"
PUB = "ccg test publisher"
CARDSYS = "https://profiles.ihe.net/QRPH/CCG/CodeSystem/ccg-card-type-cs"
ACT = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs"

CQL = """library CCGTest version '1.0.0'

using FHIR version '4.0.1'

include FHIRHelpers version '4.0.1'

codesystem "LOINC": 'http://loinc.org'
codesystem "SNOMED": 'http://snomed.info/sct'
codesystem "RxNorm": 'http://www.nlm.nih.gov/research/umls/rxnorm'

code "Systolic BP": '8480-6' from "LOINC"
code "HbA1c": '4548-4' from "LOINC"
code "Chest X-ray": '399208008' from "SNOMED"
code "ECG": '29303009' from "SNOMED"
code "Cardiology referral": '183519002' from "SNOMED"
code "Hypertension": '38341003' from "SNOMED"
code "Amlodipine": '17767' from "RxNorm"
code "Hydrochlorothiazide": '5487' from "RxNorm"
code "Old service": '268556000' from "SNOMED"

parameter "Systolic Threshold" System.Quantity default 140 'mm[Hg]'

context Patient

define "Counselled":
  exists [Communication]

define "Needs Counselling":
  not "Counselled"

define "Systolic Readings":
  [Observation: "Systolic BP"] O where O.status = 'final'

define "Needs BP":
  not exists "Systolic Readings"

define "High BP":
  exists ("Systolic Readings" O where (O.value as FHIR.Quantity) > "Systolic Threshold")

define "Needs HbA1c":
  "High BP" and not exists [ServiceRequest: "HbA1c"]

define "Needs Chest X-ray":
  "High BP" and not exists [ServiceRequest: "Chest X-ray"]

define "Needs ECG":
  "High BP" and not exists [ServiceRequest: "ECG"]

define "Needs Referral":
  "High BP" and not exists [ServiceRequest: "Cardiology referral"]

define "Has Hypertension":
  exists [Condition: "Hypertension"]

define "Propose Hypertension":
  "High BP" and not "Has Hypertension"

define "Amlodipine Orders":
  [MedicationRequest: "Amlodipine"]

define "Amlodipine Order":
  First("Amlodipine Orders")

define "Needs Amlodipine":
  "Has Hypertension" and not exists "Amlodipine Orders"

define "Needs Dispense":
  exists "Amlodipine Orders" and not exists [MedicationDispense]

define "Needs Administration":
  exists [MedicationDispense] and not exists [MedicationAdministration]

define "Active Old Medication":
  First([MedicationRequest: "Hydrochlorothiazide"] M where M.status = 'active')

define "Stop Old Medication":
  "Active Old Medication" is not null

define "Active Old Service":
  First([ServiceRequest: "Old service"] S where S.status = 'active')

define "Stop Old Service":
  "Active Old Service" is not null

define "Stop Message":
  'stop'
"""

def cc(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}]}

LOINC, SCT, RX = "http://loinc.org", "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm"

# (type, condition(s), kind, extra AD fields)
CARDS = [
    ("provide", [("text/cql-identifier", "Needs Counselling"), ("text/fhirpath", "%subject.gender.exists()")], "CommunicationRequest",
     {"description": "Explain home blood pressure monitoring."}),
    ("collect", [("text/cql-identifier", "Needs BP")], "Task",
     {"code": cc(LOINC, "8480-6", "Systolic blood pressure"),
      "extension": [{"url": "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-collectWith", "valueCanonical": BASE + "/Questionnaire/systolic-bp"}]}),
    ("reqlab", [("text/cql-identifier", "Needs HbA1c")], "ServiceRequest", {"code": cc(LOINC, "4548-4", "Hemoglobin A1c")}),
    ("reqrad", [("text/cql-identifier", "Needs Chest X-ray")], "ServiceRequest", {"code": cc(SCT, "399208008", "Plain chest X-ray")}),
    ("reqproc", [("text/cql-identifier", "Needs ECG")], "ServiceRequest", {"code": cc(SCT, "29303009", "Electrocardiographic procedure")}),
    ("reqref", [("text/cql-identifier", "Needs Referral")], "ServiceRequest", {"code": cc(SCT, "183519002", "Referral to cardiology service")}),
    ("propdx", [("text/cql-identifier", "Propose Hypertension")], "Task", {"code": cc(SCT, "38341003", "Hypertensive disorder")}),
    ("orderrx", [("text/cql-identifier", "Needs Amlodipine")], "MedicationRequest",
     {"productCodeableConcept": cc(RX, "17767", "amlodipine"),
      "dosage": [{"text": "5 mg once daily"}]}),
    ("disprx", [("text/cql-identifier", "Needs Dispense")], "Task",
     {"productCodeableConcept": cc(RX, "17767", "amlodipine"),
      "dynamicValue": [{"path": "focus", "expression": {"language": "text/cql-identifier", "expression": "Amlodipine Order"}}]}),
    ("adminrx", [("text/cql-identifier", "Needs Administration")], "Task",
     {"productCodeableConcept": cc(RX, "17767", "amlodipine"),
      "dynamicValue": [{"path": "focus", "expression": {"language": "text/cql-identifier", "expression": "Amlodipine Order"}}]}),
    ("reqvx", [("text/fhirpath", "Immunization.exists().not()")], "MedicationRequest",
     {"productCodeableConcept": cc("http://hl7.org/fhir/sid/cvx", "140", "Influenza, seasonal, injectable, preservative free")}),
    ("stoprx", [("text/cql-identifier", "Stop Old Medication")], "Task",
     {"code": cc(ACT, "stop-activity", "Stop (discontinue) an activity in progress"),
      "dynamicValue": [{"path": "focus", "expression": {"language": "text/cql-identifier", "expression": "Active Old Medication"}},
                       {"path": "input.type.text", "expression": {"language": "text/cql", "expression": "'reason'"}},
                       {"path": "input.value", "expression": {"language": "text/cql-identifier", "expression": "Stop Message"}}]}),
    ("stopsrv", [("text/cql-identifier", "Stop Old Service")], "Task",
     {"code": cc(ACT, "stop-activity", "Stop (discontinue) an activity in progress"),
      "dynamicValue": [{"path": "focus", "expression": {"language": "text/cql-identifier", "expression": "Active Old Service"}}]}),
]

def narrative(s):
    return {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">%s</div>' % s}

def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}
    lib = {"resourceType": "Library", "id": "ccgtest-library", "url": BASE + "/Library/ccgtest-library", "version": "1.0.0",
           "name": "CCGTest", "title": "CCG test library", "status": "active", "date": DATE, "publisher": PUB,
           "text": narrative("Conditions of the test CARDs"),
           "type": cc("http://terminology.hl7.org/CodeSystem/library-type", "logic-library", "Logic Library"),
           "content": [{"contentType": "text/cql", "data": base64.b64encode(CQL.encode()).decode()}]}
    files["Library-ccgtest-library.json"] = lib
    folder_actions = []
    for code, conds, kind, extra in CARDS:
        pid, aid = "card-" + code, "ad-" + code
        ad = {"resourceType": "ActivityDefinition", "id": aid, "url": BASE + "/ActivityDefinition/" + aid, "version": "1.0.0",
              "name": "AD" + code, "title": "Activity " + code, "status": "active", "date": DATE, "publisher": PUB,
              "topic": [{"coding": [{"system": CARDSYS, "code": code}]}], "kind": kind, "intent": "proposal",
              "library": [lib["url"]]}
        ad.update(extra)
        files["ActivityDefinition-%s.json" % aid] = ad
        pd = {"resourceType": "PlanDefinition", "id": pid, "url": BASE + "/PlanDefinition/" + pid, "version": "1.0.0",
              "name": "CARD" + code, "title": "CARD " + code, "status": "active", "date": DATE, "publisher": PUB,
              "text": narrative("Test CARD " + code),
              "type": cc("http://terminology.hl7.org/CodeSystem/plan-definition-type", "eca-rule", "ECA Rule"),
              "topic": [{"coding": [{"system": CARDSYS, "code": code}]}],
              "relatedArtifact": [{"type": "documentation", "url": "https://example.org/evidence/" + code}],
              "library": [lib["url"]],
              "action": [{"title": "Recommendation " + code,
                          "condition": [{"kind": "applicability", "expression": {"language": l, "expression": e}} for l, e in conds],
                          "definitionCanonical": ad["url"]}]}
        files["PlanDefinition-%s.json" % pid] = pd
        folder_actions.append({"definitionCanonical": pd["url"]})
    folder = {"resourceType": "PlanDefinition", "id": "ccgtest-folder", "url": BASE + "/PlanDefinition/ccgtest-folder", "version": "1.0.0",
              "name": "CCGTestFolder", "title": "CCG test folder", "status": "active", "date": DATE, "publisher": PUB,
              "text": narrative("All 13 CARD types"),
              "type": cc("http://terminology.hl7.org/CodeSystem/plan-definition-type", "clinical-protocol", "Clinical Protocol"),
              "action": folder_actions}
    files["PlanDefinition-ccgtest-folder.json"] = folder
    q = {"resourceType": "Questionnaire", "id": "systolic-bp", "url": BASE + "/Questionnaire/systolic-bp", "status": "active",
         "title": "Systolic blood pressure",
         "item": [{"linkId": "sbp", "text": "Systolic blood pressure",
                   "definition": "http://hl7.org/fhir/StructureDefinition/Observation#Observation.valueQuantity",
                   "code": [{"system": LOINC, "code": "8480-6", "display": "Systolic blood pressure"}],
                   "type": "quantity",
                   "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
                                  "valueCoding": {"system": "http://unitsofmeasure.org", "code": "mm[Hg]", "display": "mmHg"}}],
                   "initial": [{"valueQuantity": {"value": 152, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}]}
    files["Questionnaire-systolic-bp.json"] = q
    ig = {"resourceType": "ImplementationGuide", "id": "6f1c1e0a-2b7e-4a44-9a53-0c7d1f0b1a01",
          "url": BASE + "/ImplementationGuide/6f1c1e0a-2b7e-4a44-9a53-0c7d1f0b1a01", "version": "1.0.0",
          "name": "CCGTest", "title": "CCG test package", "status": "active", "date": DATE, "publisher": PUB,
          "packageId": "example.ccg.test", "fhirVersion": ["4.0.1"]}
    files["ImplementationGuide-ccgtest.json"] = ig
    index = {"index-version": 2, "files": []}
    for name in sorted(files):
        r = files[name]
        e = {"filename": name, "resourceType": r["resourceType"], "id": r["id"]}
        if "url" in r: e["url"] = r["url"]
        if "version" in r: e["version"] = r["version"]
        index["files"].append(e)
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(r, f, indent=2); f.write("\n")
    with open(os.path.join(OUT, ".index.json"), "w") as f:
        json.dump(index, f, indent=2); f.write("\n")
    with open(os.path.join(OUT, "package.json"), "w") as f:
        json.dump({"name": "example.ccg.test", "version": "1.0.0", "fhirVersions": ["4.0.1"],
                   "description": "Test CCG package with the 13 CARD types", "canonical": BASE}, f, indent=2); f.write("\n")
    write_data_in()

def write_data_in():
    os.makedirs("testdata/apply/data-in", exist_ok=True)
    pat = {"resourceType": "Patient", "id": "p1", "identifier": [{"system": "https://example.org/ids", "value": "P-0001"}],
           "name": [{"family": "Tester", "given": ["Tala"]}], "gender": "female", "birthDate": "1961-03-04"}
    enc = {"resourceType": "Encounter", "id": "e1", "status": "in-progress",
           "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
           "subject": {"reference": "Patient/p1"}, "period": {"start": "2026-02-01T09:00:00Z"},
           "participant": [{"individual": {"reference": "Practitioner/dr1"}}]}
    prac = {"resourceType": "Practitioner", "id": "dr1", "identifier": [{"system": "https://example.org/ids", "value": "DR-1"}],
            "name": [{"text": "Doctor One"}]}
    plans = {"resourceType": "PlanDefinition", "id": "plans-p1", "url": BASE + "/PlanDefinition/plans-p1",
             "identifier": [{"system": "https://example.org/ids", "value": "P-0001"}], "status": "active",
             "type": cc("http://terminology.hl7.org/CodeSystem/plan-definition-type", "order-set", "Order Set"),
             "action": [{"definitionCanonical": BASE + "/PlanDefinition/ccgtest-folder"}]}
    careplan = {"resourceType": "CarePlan", "id": "cp1", "status": "active", "intent": "plan", "subject": {"reference": "Patient/p1"},
                "activity": [{"detail": {"instantiatesCanonical": [plans["url"]], "status": "in-progress"}}]}
    oldmed = {"resourceType": "MedicationRequest", "id": "mr-old", "status": "active", "intent": "order",
              "medicationCodeableConcept": cc(RX, "5487", "hydrochlorothiazide"), "subject": {"reference": "Patient/p1"}}
    oldsrv = {"resourceType": "ServiceRequest", "id": "sr-old", "status": "active", "intent": "order",
              "code": cc(SCT, "268556000", "Old service"), "subject": {"reference": "Patient/p1"}}
    comp = {"resourceType": "Composition", "id": "ips-comp", "status": "final",
            "type": cc(LOINC, "60591-5", "Patient summary Document"), "subject": {"reference": "Patient/p1"},
            "date": "2026-01-30T10:00:00Z", "author": [{"reference": "Practitioner/dr1"}], "title": "Patient Summary",
            "section": [{"title": "Plan of care", "code": cc(LOINC, "18776-5", "Plan of care note"), "entry": [{"reference": "CarePlan/cp1"}]},
                        {"title": "Medications", "code": cc(LOINC, "10160-0", "History of Medication use Narrative"), "entry": [{"reference": "MedicationRequest/mr-old"}]}]}
    def e(r): return {"fullUrl": "urn:uuid:" + r["resourceType"].lower() + "-" + r["id"], "resource": r}
    ips = {"resourceType": "Bundle", "id": "ips-p1", "type": "document", "timestamp": "2026-01-30T10:00:00Z",
           "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:4f2d3c1e-1111-4a44-9a53-0c7d1f0b1a01"},
           "entry": [e(comp), e(pat), e(careplan), e(plans), e(oldmed), e(oldsrv), e(prac)]}
    bundle = {"resourceType": "Bundle", "id": "data-in-p1", "type": "collection",
              "entry": [e(enc), e(prac), e(ips)]}
    with open("testdata/apply/data-in/patient-1.json", "w") as f:
        json.dump(bundle, f, indent=2); f.write("\n")

main()
