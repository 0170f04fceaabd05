#include <tvm/ffi/error.h>
#include "../../src/runtime/rpc/rpc_session.h"
namespace tvm { namespace runtime {
// The RPC endpoint is left out of this runtime (web-llm never serves RPC).
ffi::Module CreateRPCSessionModule(std::shared_ptr<RPCSession> sess) {
  TVM_FFI_THROW(RuntimeError) << "RPC is not part of this model library's runtime";
  TVM_FFI_UNREACHABLE();
}
}}
