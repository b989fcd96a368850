// Value sets and a profile built from the example hypertension package
// (a dependency) and the core package, found by name.
ValueSet: HypertensionWorkUp
Id: htn-work-up
Title: "Hypertension work-up"
Description: "The example package's ECG and renal function value sets together."
* include codes from valueset Electrocardiogram
* include codes from valueset RenalFunctionTests

Profile: HypertensionPatient
Parent: Patient
Id: htn-patient
Title: "Patient in a hypertension pathway"
Description: "A Patient with a birth date."
* birthDate 1..1 MS
