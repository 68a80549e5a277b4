#pragma once
// Phone numbers for matching: one person's mobile typed as "138-0013-8000", "+86 138 0013 8000",
// "0086 13800138000" or in full-width digits is one E.164 text, so the scorer compares strings.
//
// Why not libphonenumber: Debian 12's libphonenumber-dev depends on libboost-thread-dev, which is
// Boost 1.74 and conflicts with the libboost1.81-dev the gateway builds with (installing it removes
// Boost 1.81). So the numbering plans the patient index meets are written here:
// - mainland China (+86): mobiles 1[3-9]x (11 digits, the MIIT blocks in use), landlines with
//   their area code (10, 2x but 26, or a 3-digit code 3xx-9xx; 7- or 8-digit subscriber numbers
//   starting 2-9), written with or without the trunk 0, and the 400/800 service numbers. Mobiles
//   agree with libphonenumber 8.12.57 (the Debian version); landlines are looser where it knows
//   which 3-digit area codes exist and which cities still have 7-digit numbers;
// - Hong Kong (+852), Macao (+853) and Taiwan (+886): their national number lengths and leading
//   digits;
// - any other country: only in international form (+CC or 00CC), checked for a known country
//   code and the E.164 length (at most 15 digits), not against that country's plan.
// A local number without its area code, a short service code (110, 95588) or two numbers in one
// field are not a phone of a person: "".
#include <string>
#include <string_view>

namespace medgw::mpi {

// E.164 ("+8613800138000") or "" when the text is not a valid number. `default_region` (ISO 3166
// alpha-2: "CN", "HK", "MO", "TW") says how to read a number without a country code; other regions
// accept only international numbers. Spaces, dashes, dots and parentheses (also full-width), a
// "+", "00" or "86" prefix, a trunk "0", full-width digits and an extension ("转123", "ext 12",
// "x12", "#12", or a dash-separated last group of 1-5 digits after a complete landline) are
// handled; the extension is dropped.
std::string normalise_phone(std::string_view text, std::string_view default_region = "CN");

}  // namespace medgw::mpi
