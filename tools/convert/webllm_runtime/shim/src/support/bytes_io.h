// The in-memory byte streams moved to <tvm/support/bytes_io.h>; this path is what the runtime sources include.
#ifndef WEBLLM_SHIM_SUPPORT_BYTES_IO_H_
#define WEBLLM_SHIM_SUPPORT_BYTES_IO_H_
#include <tvm/support/bytes_io.h>
#endif
