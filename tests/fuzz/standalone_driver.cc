// Runs a libFuzzer-style target without libFuzzer (GCC has no -fsanitize=fuzzer): each file
// argument is one input; with none, the target's seeds plus deterministic random mutations of
// them are run, so ctest exercises every fuzz target on every build. With clang, build the same
// target with -fsanitize=fuzzer for coverage-guided fuzzing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::string> FuzzSeeds();

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string input, std::mt19937& random) {
  const int edits = 1 + static_cast<int>(random() % 8);
  for (int i = 0; i < edits; ++i) {
    switch (random() % 4) {
      case 0:  // flip a byte
        if (!input.empty()) input[random() % input.size()] = static_cast<char>(random());
        break;
      case 1:  // insert a byte
        input.insert(input.begin() + (input.empty() ? 0 : random() % input.size()),
                     static_cast<char>(random()));
        break;
      case 2:  // cut a range
        if (!input.empty()) {
          size_t at = random() % input.size();
          input.erase(at, random() % (input.size() - at + 1));
        }
        break;
      default:  // duplicate a range
        if (!input.empty()) {
          size_t at = random() % input.size();
          input.insert(at, input.substr(at, random() % 64));
        }
    }
  }
  return input;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      std::ifstream file(argv[i], std::ios::binary);
      Run(std::string(std::istreambuf_iterator<char>(file), {}));
    }
    return 0;
  }
  std::vector<std::string> seeds = FuzzSeeds();
  std::mt19937 random(20261125);
  const int kMutations = 3000;
  for (const std::string& seed : seeds) Run(seed);
  for (int i = 0; i < kMutations; ++i) Run(Mutate(seeds[random() % seeds.size()], random));
  std::printf("%zu seeds and %d mutations ran without a crash\n", seeds.size(), kMutations);
  return 0;
}
