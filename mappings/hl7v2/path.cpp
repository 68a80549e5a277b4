#include "mappings/hl7v2/path.hpp"

namespace medgw::hl7v2 {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // A positive decimal number; 0 when there is none.
  std::size_t number() {
    std::size_t n = 0;
    std::size_t digits = 0;
    while (!done() && s_[i_] >= '0' && s_[i_] <= '9' && digits < 6) {
      n = n * 10 + static_cast<std::size_t>(s_[i_] - '0');
      ++i_;
      ++digits;
    }
    return n;
  }
  // "[n]" or "(n)"; returns 1 when absent, 0 when malformed.
  std::size_t index() {
    char close = accept('[') ? ']' : accept('(') ? ')' : '\0';
    if (close == '\0') return 1;
    std::size_t n = number();
    if (n == 0 || !accept(close)) return 0;
    return n;
  }
  std::string_view rest() const { return s_.substr(i_); }
  std::size_t pos() const { return i_; }
  void skip(std::size_t n) { i_ += n; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::string Path::to_string() const {
  std::string s = segment;
  if (occurrence != 1) s += "[" + std::to_string(occurrence) + "]";
  s += "-" + std::to_string(field);
  if (repetition != 1) s += "[" + std::to_string(repetition) + "]";
  if (component != 0) s += "." + std::to_string(component);
  if (subcomponent != 0) s += "." + std::to_string(subcomponent);
  return s;
}

Expected<Path, std::string> parse_path(std::string_view text) {
  auto fail = [&](const std::string& why) { return unexpected("path '" + std::string(text) + "': " + why); };
  Reader r(text);
  Path p;
  if (text.size() < 3) return fail("expected a segment id such as PID");
  for (std::size_t i = 0; i < 3; ++i) {
    char c = text[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return fail("expected a segment id such as PID");
  }
  p.segment = std::string(text.substr(0, 3));
  r.skip(3);
  p.occurrence = r.index();
  if (p.occurrence == 0) return fail("segment occurrence must be [n] with n >= 1");
  if (!r.accept('-')) return fail("expected '-' and a field number after the segment");
  p.field = r.number();
  if (p.field == 0) return fail("field numbers start at 1");
  p.repetition = r.index();
  if (p.repetition == 0) return fail("repetition must be [n] with n >= 1");
  if (r.accept('.')) {
    p.component = r.number();
    if (p.component == 0) return fail("component numbers start at 1");
    if (r.accept('.')) {
      p.subcomponent = r.number();
      if (p.subcomponent == 0) return fail("sub-component numbers start at 1");
    }
  }
  if (!r.done()) return fail("unexpected '" + std::string(r.rest()) + "'");
  return p;
}

}  // namespace medgw::hl7v2
