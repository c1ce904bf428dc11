// libFuzzer target for the control protocol decoder: any bytes a client can
// send must give a Request or an error, never a crash, a hang or a leak, and
// whatever decodes must encode and decode again to the same request.
//   cmake -DLIVEFIRE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...
//   decode_request_fuzz tests/fuzz/corpus/decode_request -max_total_time=60

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "livefire/bus/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = livefire::bus::DecodeRequest(bytes);
  if (r.ok()) {
    auto again = livefire::bus::DecodeRequest(livefire::bus::EncodeRequest(*r));
    if (!again.ok() || again->type != r->type || again->id != r->id || again->team != r->team ||
        again->args != r->args) {
      std::abort();
    }
  } else if (livefire::bus::ProtocolErrorCode(r.status()) == livefire::bus::errors::kInternal) {
    std::abort();
  }
  (void)livefire::bus::BestEffortId(bytes);
  return 0;
}
