#pragma once
// String similarity for names and addresses: Jaro and Jaro-Winkler (Winkler 1990), over Unicode
// code points so a Chinese character counts once, not as three bytes. Bytes that are not valid
// UTF-8 count one each (the comparison still works on what was sent).
#include <string_view>

namespace medgw::mpi {

// 1.0 for equal strings, 0.0 when either is empty or nothing matches.
double jaro(std::string_view a, std::string_view b);
// Jaro raised for a shared prefix of up to four code points, by prefix_scale (0.1 by Winkler;
// at most 0.25 keeps the result in [0, 1]).
double jaro_winkler(std::string_view a, std::string_view b, double prefix_scale = 0.1);

}  // namespace medgw::mpi
