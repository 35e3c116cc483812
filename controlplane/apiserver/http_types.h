// A request as the handlers see it and the response they return, free of Boost.Beast types so
// handlers and their tests need no networking headers.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::apiserver {

struct Request {
  std::string method;                          // "GET"
  std::string path;                            // without the query, percent-encoding kept
  std::string query;                           // after '?', or ""
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  // The common name of the client certificate the connection presented, once verified against
  // the server's client CA; "" without one (or when the server asks for none).
  std::string client_common_name;

  // The header's value, or "" when absent.
  std::string Header(const std::string& lower_case_name) const;
};

// The body of a long-running answer (a watch), written piece by piece as it is produced.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // From any thread; each piece goes out as one chunk, in the order written. False once the
  // stream has ended (the client went away, the timeout passed, or End was called): the
  // producer should stop.
  virtual bool Write(std::string piece) = 0;
  // Ends the answer after the pieces already written.
  virtual void End() = 0;
};

// Called once the answer's headers are out. What it returns is kept alive until the stream
// ends and then released, so a producer stops (a watch handle destroyed) exactly then.
using StreamProducer = std::function<std::shared_ptr<void>(std::shared_ptr<BodyStream>)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Sent with Transfer-Encoding: chunked instead of Content-Length.
  bool chunked = false;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streamed answer: `body` is ignored, the producer writes the body instead and the
  // connection closes when it ends, at the latest after `stream_timeout`.
  StreamProducer stream;
  std::chrono::seconds stream_timeout{1800};
  // For a streamed answer: called on the connection's strand every `tick_period` and once more
  // just before the timeout ends the stream, so a watch can send bookmarks; what it writes
  // goes out before the end.
  std::function<void()> tick;
  std::chrono::seconds tick_period{60};
};

}  // namespace hostlet::apiserver
