#ifndef WEBLLM_SHIM_SUPPORT_UTILS_H_
#define WEBLLM_SHIM_SUPPORT_UTILS_H_
#include <string>
namespace tvm { namespace support {
inline bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
}}
#endif
