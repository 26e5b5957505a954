// `homevisit-server form publish FILE` and `form list`: the operator's view of the survey
// forms that devices receive (see form_publish.h).
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/forms/form_parser.h"
#include "sync-server/cli.h"
#include "sync-server/form_publish.h"

namespace homevisit::server {

namespace {

// The definition file's text; InvalidArgument naming the file when it cannot be read or is
// larger than a definition may be.
Result<std::string> ReadDefinitionFile(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return InvalidArgument(path + ": no such file");
  }
  if (static_cast<size_t>(info.st_size) > forms::kMaxDefinitionBytes) {
    return InvalidArgument(path + ": a form definition has at most " +
                           std::to_string(forms::kMaxDefinitionBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return InvalidArgument(path + ": cannot be read");
  return text.str();
}

}  // namespace

Status RunFormPublish(const Args& args, CliIo& io) {
  const std::string& path = args.positional()[0];
  auto text = ReadDefinitionFile(path);
  if (!text.ok()) return text.status();
  // Checked in full before the database is opened: a broken form changes nothing.
  auto form = forms::ParseForm(*text);
  if (!form.ok()) {
    return InvalidArgument(path + ": " + form.status().message() + "; nothing was published");
  }
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  ServerClock clock;
  if (Status s = PublishNewFormVersion(**storage, clock, *form); !s.ok()) return s;
  io.out << "published form " << form->id << " version " << form->version << " ("
         << form->title.zh << "): devices receive it at their next sync\n";
  return Status::Ok();
}

Status RunFormList(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto forms = ListPublishedForms(**storage);
  if (!forms.ok()) return forms.status();
  io.out << std::left << std::setw(20) << "FORM" << std::setw(9) << "VERSION" << std::setw(22)
         << "PUBLISHED" << "TITLE\n";
  for (const PublishedForm& f : *forms) {
    io.out << std::setw(20) << f.id << std::setw(9) << f.version << std::setw(22)
           << FormatUtcTime(f.published_ms) << f.title.zh << " (" << f.title.en << ")\n";
  }
  io.out << forms->size() << (forms->size() == 1 ? " form version\n" : " form versions\n");
  return Status::Ok();
}

}  // namespace homevisit::server
