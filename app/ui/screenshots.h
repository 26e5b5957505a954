// --screenshots: renders every main page with demo data to PNG files, offscreen.
#pragma once

#include <QString>

namespace homevisit::ui {

// Renders login, roster, student, visit form, drafts, returned, settings (as a teacher) and
// review queue, visit detail, conflicts, coverage (as a coordinator) into outDir, in
// language lang. Returns the process exit code (0 when every page was written).
int RenderScreenshots(const QString& outDir, const QString& lang);

}  // namespace homevisit::ui
