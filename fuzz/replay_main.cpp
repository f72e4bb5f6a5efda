// Replays saved inputs through a fuzz target without libFuzzer, so that every
// input that ever crashed or hung stays a plain test in every build (g++,
// ASan, TSan). Arguments are files or directories (every regular file in
// them, in name order); `--optional DIR` may be missing or empty, as a
// target's regressions directory is until its first finding.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::uint8_t> read_file(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char** argv)
{
    namespace fs = std::filesystem;
    std::size_t total = 0;
    bool optional = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--optional") {
            optional = true;
            continue;
        }
        const fs::path path(arg);
        std::vector<fs::path> files;
        if (fs::is_directory(path)) {
            for (const auto& entry : fs::directory_iterator(path))
                if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
                    files.push_back(entry.path());
            std::sort(files.begin(), files.end());
        } else if (fs::is_regular_file(path)) {
            files.push_back(path);
        } else if (!optional) {
            std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 1;
        }
        for (const auto& file : files) {
            const auto data = read_file(file);
            std::printf("replaying %s (%zu bytes)\n", file.string().c_str(), data.size());
            std::fflush(stdout); // a crash must leave the name of its input behind
            LLVMFuzzerTestOneInput(data.data(), data.size());
        }
        std::printf("%zu inputs replayed from %s\n", files.size(), argv[i]);
        total += files.size();
        optional = false;
    }
    std::printf("%zu inputs replayed in all\n", total);
    return 0;
}
