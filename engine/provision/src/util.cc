#include "util.h"

#include "livefire/escape.h"
#include "livefire/net/conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace livefire::provision {

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string XmlEscape(std::string_view s) { return EscapeMarkup(s); }

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string in;
  in.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r') in += c;
  }
  if (in.size() % 4 != 0) return Status::DataLoss("base64 text length is not a multiple of 4");
  std::string out(3 * (in.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return Status::DataLoss("invalid base64 text");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string ElementText(std::string_view xml, std::string_view name) {
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    size_t end = xml.find_first_of("> /", pos + 1);
    if (end == std::string_view::npos) return "";
    std::string_view tag = xml.substr(pos + 1, end - pos - 1);
    if (auto colon = tag.find(':'); colon != std::string_view::npos) tag = tag.substr(colon + 1);
    if (tag == name) {
      size_t gt = xml.find('>', pos);
      if (gt == std::string_view::npos || xml[gt - 1] == '/') return "";
      size_t close = xml.find('<', gt);
      if (close == std::string_view::npos) return "";
      std::string raw(xml.substr(gt + 1, close - gt - 1));
      // Undo the escaping of XmlEscape (names and ids never need more).
      std::string out;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '&') {
          size_t semi = raw.find(';', i);
          std::string ent = raw.substr(i, semi - i + 1);
          if (ent == "&amp;")
            out += '&';
          else if (ent == "&lt;")
            out += '<';
          else if (ent == "&gt;")
            out += '>';
          else if (ent == "&apos;")
            out += '\'';
          else if (ent == "&quot;")
            out += '"';
          else
            out += ent;
          i = semi;
        } else {
          out += raw[i];
        }
      }
      return out;
    }
    pos = end;
  }
  return "";
}

Result<std::string> RunCommand(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    return Status::Internal(fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (!env.count(std::string(kv.substr(0, kv.find('='))))) envs.emplace_back(kv);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    return Status::Unavailable(fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  }
  std::string output;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) output.append(buf, static_cast<size_t>(n));
  }
  close(pipefd[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    // The tail is what explains a failure.
    std::string tail = output.size() > 2000 ? output.substr(output.size() - 2000) : output;
    return Status::Unavailable(fmt::format(
        "'{}' failed ({}): {}", cmd,
        WIFEXITED(wstatus) ? fmt::format("exit {}", WEXITSTATUS(wstatus)) : std::string("killed"),
        tail));
  }
  return output;
}

bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout) {
  return net::TcpConnects(address, port, net::Clock::now() + timeout);
}

}  // namespace livefire::provision
