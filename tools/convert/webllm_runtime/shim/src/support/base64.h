#ifndef WEBLLM_SHIM_SUPPORT_BASE64_H_
#define WEBLLM_SHIM_SUPPORT_BASE64_H_
#include <tvm/ffi/error.h>
#include <tvm/support/io.h>
#include <string>
namespace tvm { namespace support {
// Base64 over another stream, for the runtime's text form of tensors (SaveJSON / LoadJSON).
class Base64OutStream : public Stream {
 public:
  using Stream::Write;
  explicit Base64OutStream(Stream* out) : out_(out) {}
  size_t Read(void*, size_t) override { TVM_FFI_THROW(InternalError) << "write-only stream"; return 0; }
  size_t Write(const void* ptr, size_t size) override {
    const unsigned char* p = static_cast<const unsigned char*>(ptr);
    for (size_t i = 0; i < size; ++i) {
      buf_[n_++] = p[i];
      if (n_ == 3) Flush3();
    }
    return size;
  }
  void Finish() {
    if (n_ == 0) return;
    unsigned char b[3] = {buf_[0], n_ > 1 ? buf_[1] : (unsigned char)0, 0};
    char o[4] = {kChars[b[0] >> 2], kChars[((b[0] & 3) << 4) | (b[1] >> 4)],
                 n_ > 1 ? kChars[(b[1] & 15) << 2] : '=', '='};
    out_->Write(o, 4);
    n_ = 0;
  }
 private:
  static constexpr const char* kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  void Flush3() {
    char o[4] = {kChars[buf_[0] >> 2], kChars[((buf_[0] & 3) << 4) | (buf_[1] >> 4)],
                 kChars[((buf_[1] & 15) << 2) | (buf_[2] >> 6)], kChars[buf_[2] & 63]};
    out_->Write(o, 4);
    n_ = 0;
  }
  Stream* out_;
  unsigned char buf_[3];
  int n_ = 0;
};

class Base64InStream : public Stream {
 public:
  using Stream::Read;
  explicit Base64InStream(Stream* in) : in_(in) {}
  void InitPosition() { have_ = 0; pos_ = 0; }
  size_t Write(const void*, size_t) override { TVM_FFI_THROW(InternalError) << "read-only stream"; return 0; }
  size_t Read(void* ptr, size_t size) override {
    unsigned char* p = static_cast<unsigned char*>(ptr);
    size_t done = 0;
    while (done < size) {
      if (pos_ == have_ && !Refill()) break;
      p[done++] = out_[pos_++];
    }
    return done;
  }
 private:
  static int Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  }
  bool Refill() {
    char q[4];
    int got = 0;
    while (got < 4) {           // skip whitespace between groups
      char c;
      if (in_->Read(&c, 1) != 1) return false;
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      q[got++] = c;
    }
    int v0 = Value(q[0]), v1 = Value(q[1]), v2 = Value(q[2]), v3 = Value(q[3]);
    out_[0] = (unsigned char)((v0 << 2) | (v1 >> 4));
    have_ = 1;
    if (q[2] != '=') { out_[1] = (unsigned char)(((v1 & 15) << 4) | (v2 >> 2)); have_ = 2; }
    if (q[3] != '=') { out_[2] = (unsigned char)(((v2 & 3) << 6) | v3); have_ = 3; }
    pos_ = 0;
    return true;
  }
  Stream* in_;
  unsigned char out_[3];
  int have_ = 0, pos_ = 0;
};
}}
#endif
