#ifndef WEBLLM_SHIM_NVTX_H_
#define WEBLLM_SHIM_NVTX_H_
#include <string>
namespace tvm { namespace support {
// No CUDA profiler in the browser: a scoped range that does nothing.
class NVTXScopedRange {
 public:
  explicit NVTXScopedRange(const char*) {}
  explicit NVTXScopedRange(const std::string&) {}
};
}}
#endif
