#include "livefire/net/http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace livefire::net {

namespace {

// curl_global_init is not thread-safe; checks run on a worker pool.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  bool truncated = false;
  bool any_bytes = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  sink->any_bytes = true;
  size_t room = kMaxHttpBody - sink->body.size();
  if (len > room) {
    // Stop reading: a service streaming without end must not hold the check.
    sink->body.append(data, room);
    sink->truncated = true;
    return 0;
  }
  sink->body.append(data, len);
  return len;
}

size_t OnHeader(char*, size_t size, size_t n, void* user) {
  static_cast<Sink*>(user)->any_bytes = true;
  return size * n;
}

bool SafeToken(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

}  // namespace

Result<HttpResponse> HttpGet(const HttpRequest& r) {
  std::string path = r.path.empty() ? "/" : r.path;
  bool v6 = r.address.find(':') != std::string::npos;
  std::string where =
      fmt::format("http://{}{}{}:{}{}", v6 ? "[" : "", r.address, v6 ? "]" : "", r.port, path);
  if (r.port <= 0 || r.port > 65535) {
    return Status::InvalidArgument(fmt::format("{}: invalid port {}", where, r.port));
  }
  if (path.front() != '/' || path.find_first_of(" \r\n") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("{}: invalid HTTP path", where));
  }
  if (r.address.empty() ||
      r.address.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("{}: not a numeric IP address", where));
  }
  for (const auto& [k, v] : r.headers) {
    if (!SafeToken(k) || !SafeToken(v) || k.empty() || k.find(':') != std::string::npos) {
      return Status::InvalidArgument(fmt::format("{}: invalid header '{}'", where, k));
    }
  }
  if (!SafeToken(r.host)) return Status::InvalidArgument(fmt::format("{}: invalid Host", where));
  GlobalInit();
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("curl_easy_init failed");
  CURL* c = curl.get();
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add = [&](const std::string& h) {
    curl_slist* l = curl_slist_append(headers.get(), h.c_str());
    if (l) {
      headers.release();
      headers.reset(l);
    }
  };
  add("Host: " + (r.host.empty() ? r.address : r.host));
  for (const auto& [k, v] : r.headers) add(k + ": " + v);
  Sink sink;
  char err[CURL_ERROR_SIZE] = {0};
  long timeout_ms = std::max<long>(1, static_cast<long>(r.timeout.nanos() / 1'000'000));
  curl_easy_setopt(c, CURLOPT_URL, where.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP);
#endif
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // range addresses are never proxied
  curl_easy_setopt(c, CURLOPT_USERAGENT, "livefire");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  CURLcode rc = curl_easy_perform(c);
  std::string why = err[0] ? std::string(err) : std::string(curl_easy_strerror(rc));
  if (rc == CURLE_WRITE_ERROR && sink.truncated) rc = CURLE_OK;
  switch (rc) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(fmt::format("{}: no complete answer within {}{}", where,
                                                  FormatDuration(r.timeout),
                                                  sink.any_bytes ? "" : " (no data)"));
    case CURLE_COULDNT_CONNECT: {
      long os = 0;
      curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os);
      return Status::Unavailable(
          fmt::format("{}: connect: {}", where, os ? std::strerror(static_cast<int>(os)) : why));
    }
    case CURLE_GOT_NOTHING:
      return Status::DataLoss(fmt::format("{}: empty HTTP response", where));
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::DataLoss(fmt::format("{}: not an HTTP response ({})", where, why));
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
      return Status::Unavailable(fmt::format("{}: {}", where, why));
    default:
      return Status::Unavailable(fmt::format("{}: {}", where, why));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 100 || status > 599) {
    return Status::DataLoss(fmt::format("{}: bad status {}", where, status));
  }
  HttpResponse out;
  out.status = static_cast<int>(status);
  out.body = std::move(sink.body);
  out.truncated = sink.truncated;
  return out;
}

Result<HttpResponse> HttpGet(const std::string& address, int port, const std::string& path,
                             Duration timeout) {
  HttpRequest r;
  r.address = address;
  r.port = port;
  r.path = path;
  r.timeout = timeout;
  return HttpGet(r);
}

}  // namespace livefire::net
