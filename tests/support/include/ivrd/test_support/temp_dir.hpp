#pragma once
// A fresh temporary directory for one test's files, removed with everything
// in it when the object goes out of scope.

#include <filesystem>
#include <string>
#include <string_view>

namespace ivrd::test_support {

class TempDir {
 public:
  // Creates <system temp dir>/<prefix>-XXXXXX; throws std::runtime_error when
  // it cannot.
  explicit TempDir(std::string_view prefix = "ivrd-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // The path of a file inside the directory, as a string.
  std::string operator/(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ivrd::test_support
