// Container output in the CRI log format the kubelet reads:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>
// one record per line; a line longer than the buffer is split into P(artial) records ending in
// an F(ull) one.
#pragma once

#include <cstdio>
#include <map>
#include <string>

namespace hostlet::oci::helper {

class CriLog {
 public:
  explicit CriLog(std::string path);
  ~CriLog();
  void Write(const std::string& stream, const char* data, size_t size);
  void Flush();   // writes what is buffered as partial records
  void Reopen();  // after log rotation moved the file away

 private:
  void Record(const std::string& stream, const std::string& content, bool full);
  std::string path_;
  FILE* file_ = nullptr;
  std::map<std::string, std::string> pending_;
};

}  // namespace hostlet::oci::helper
