#include "mappings/hl7v2/batch.hpp"

#include <string>

#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {
namespace {

constexpr char kStartBlock = 0x0B;
constexpr char kEndBlock = 0x1C;

ParseError batch_error(std::size_t offset, std::string segment, std::string message) {
  ParseError e;
  e.code = ParseErrorCode::kBadBatch;
  e.offset = offset;
  e.segment = std::move(segment);
  e.message = std::move(message);
  return e;
}

// A count field (BTS-1, FTS-1) as a number; nullopt when empty or not a number.
std::optional<std::size_t> count_field(std::string_view line, char field_separator) {
  std::string_view v = nth_piece(line, field_separator, 2);
  if (v.empty() || v.size() > 9) return std::nullopt;
  std::size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

// FHS/BHS declare their own delimiters; the batch reader needs the field separator for counts.
std::optional<ParseError> read_field_separator(std::string_view line, std::size_t line_begin, char& fs) {
  auto d = read_delimiters(line);
  if (!d) {
    ParseError e = std::move(d).error();
    e.offset += line_begin;
    return e;
  }
  fs = d->field;
  return std::nullopt;
}

}  // namespace

std::string with_cr_terminators(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i] == '\n' ? '\r' : text[i]);
  }
  while (!out.empty() && out.back() == '\r') out.pop_back();
  out.push_back('\r');
  return out;
}

std::size_t BatchFile::message_count() const {
  std::size_t n = 0;
  for (const Batch& b : batches) n += b.messages.size();
  return n;
}

std::vector<MessageSpan> BatchFile::all_messages() const {
  std::vector<MessageSpan> out;
  out.reserve(message_count());
  for (const Batch& b : batches) out.insert(out.end(), b.messages.begin(), b.messages.end());
  return out;
}

Expected<BatchFile, ParseError> read_batch(std::string_view input, const BatchLimits& limits) {
  BatchFile file;
  char fs = '|';  // field separator of the batch segments, from FHS/BHS when present
  std::size_t pos = input.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;

  Batch* batch = nullptr;
  MessageSpan* open_message = nullptr;
  std::size_t open_end = 0;
  bool after_fts = false;
  auto close_message = [&]() {
    if (open_message != nullptr) {
      open_message->text = input.substr(open_message->offset, open_end - open_message->offset);
      open_message = nullptr;
    }
  };
  auto ensure_batch = [&]() {
    if (batch == nullptr || batch->trailer) {
      file.batches.emplace_back();
      batch = &file.batches.back();
    }
  };

  while (pos < input.size()) {
    std::size_t line_begin = pos;
    std::size_t line_end = input.find_first_of("\r\n", pos);
    if (line_end == std::string_view::npos) line_end = input.size();
    pos = line_end + 1;
    std::string_view line = input.substr(line_begin, line_end - line_begin);
    if (!line.empty() && line.front() == kStartBlock) {
      line.remove_prefix(1);
      ++line_begin;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank, spaces and tabs included
    if (line.front() == kEndBlock) {
      close_message();
      continue;
    }
    std::string_view id = line.substr(0, 3);
    const bool is_batch_segment = id == "FHS" || id == "BHS" || id == "BTS" || id == "FTS";
    if (after_fts && (is_batch_segment || id == "MSH")) {
      return unexpected(batch_error(line_begin, std::string(id), std::string(id) + " after FTS, which ends the file"));
    }
    if (id == "MSH") {
      close_message();
      ensure_batch();
      if (file.message_count() >= limits.max_messages) {
        return unexpected(batch_error(line_begin, "MSH", "more than " + std::to_string(limits.max_messages) + " messages"));
      }
      batch->messages.push_back({{}, line_begin});
      open_message = &batch->messages.back();
      open_end = line_end;
      continue;
    }
    if (!is_batch_segment) {
      if (open_message == nullptr) {
        return unexpected(batch_error(line_begin, "", "segment before any MSH: every message must start with MSH"));
      }
      open_end = line_end;  // one more segment of the open message
      continue;
    }
    close_message();
    if (id == "FHS") {
      if (!file.batches.empty() || file.header) {
        return unexpected(batch_error(line_begin, "FHS", "FHS must be the first segment of a file"));
      }
      if (auto e = read_field_separator(line, line_begin, fs)) return unexpected(std::move(*e));
      file.header = line;
    } else if (id == "BHS") {
      if (auto e = read_field_separator(line, line_begin, fs)) return unexpected(std::move(*e));
      file.batches.emplace_back();
      batch = &file.batches.back();
      batch->header = line;
    } else if (id == "BTS") {
      if (batch == nullptr || batch->trailer) {
        return unexpected(batch_error(line_begin, "BTS", "BTS without a batch to close"));
      }
      batch->trailer = line;
      if (auto declared = count_field(line, fs); declared && *declared != batch->messages.size()) {
        return unexpected(batch_error(line_begin, "BTS",
                                      "BTS-1 declares " + std::to_string(*declared) + " messages but the batch holds " +
                                          std::to_string(batch->messages.size())));
      }
    } else {  // FTS
      file.trailer = line;
      after_fts = true;
      if (auto declared = count_field(line, fs); declared && *declared != file.batches.size()) {
        return unexpected(batch_error(line_begin, "FTS",
                                      "FTS-1 declares " + std::to_string(*declared) + " batches but the file holds " +
                                          std::to_string(file.batches.size())));
      }
    }
  }
  close_message();
  if (file.batches.empty() && !file.header) {
    ParseError e;
    e.code = ParseErrorCode::kEmptyInput;
    e.message = "no message: the input holds no MSH, FHS or BHS segment";
    return unexpected(std::move(e));
  }
  return file;
}

}  // namespace medgw::hl7v2
