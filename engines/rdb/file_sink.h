// FileSink: the RDB stream into a file, as rdbSave writes it: under a temporary name, renamed into
// place only once complete (and fsync'ed first when asked), so a save that fails or is killed
// half-way never touches the final file.
//
// The sink lends the writer windows of one output buffer of `buffer_bytes` in its own anonymous
// mapping (so a snapshot child's buffer does not dirty the parent's heap pages) and write()s the
// buffer once it is full: one write() per full buffer, whatever the sizes of the keys and values.
// finish() writes the last partial buffer, fsyncs when asked, closes and renames the file (and
// fsyncs its directory when asked). Errors name the temporary file; a write error also names the
// file offset. Until finish() has renamed it, the temporary file is removed when the sink goes
// (after any failure, or when the writer gives up): the final file is only ever replaced whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "base/status_or.h"
#include "base/unique_fd.h"
#include "engines/rdb/output_sink.h"

namespace rpbench::rdb {

struct FileSinkOptions {
  size_t buffer_bytes = 65536;  // the output buffer (raised to 4096 when smaller)
  bool fsync = false;           // fsync the file before the rename, and its directory after
};

class FileSink final : public OutputSink {
 public:
  static constexpr size_t kMinBufferBytes = 4096;

  // Creates (or truncates) `tmp_path` and maps the buffer; finish() renames the file to
  // `final_path`. Errors: the open's (kNotFound when the directory is missing, ...), or
  // kResourceExhausted when the buffer cannot be mapped.
  static StatusOr<FileSink> create(const std::string& tmp_path, const std::string& final_path,
                                   const FileSinkOptions& opt);

  FileSink(FileSink&&) noexcept = default;
  FileSink& operator=(FileSink&&) = delete;
  ~FileSink() override = default;  // the temp guard removes an unfinished file

  Status reserve(std::span<char>* window) override;
  Status commit(size_t n) override;
  Status flush() override;
  Status finish() override;

  size_t buffer_bytes() const { return cap_; }
  // Bytes write()n to the file so far.
  int64_t bytes_written() const { return written_; }

 private:
  struct Unmap {
    size_t bytes = 0;
    void operator()(char* p) const;
  };
  using Buffer = std::unique_ptr<char, Unmap>;

  FileSink(std::string tmp_path, std::string final_path, const FileSinkOptions& opt, UniqueFd fd, Buffer buf);
  // Records the first failure and returns it.
  Status fail(Status s);
  // Writes buffer[0, used_) to the file.
  Status write_buffer();
  Status close_and_rename();

  std::string tmp_path_;
  std::string final_path_;
  bool fsync_;
  UniqueFd fd_;
  TempPathGuard temp_;  // released once the file is renamed into place
  Buffer buf_;
  size_t cap_;
  size_t used_ = 0;  // committed bytes in the buffer
  size_t lent_ = 0;  // size of the window last reserved, 0 when none is out
  int64_t written_ = 0;
  bool finished_ = false;
  Status status_;  // the first failure
};

}  // namespace rpbench::rdb
