<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AppStore</name>
    <message>
        <source>You are not allowed to do this.</source>
        <translation>You are not allowed to do this.</translation>
    </message>
    <message>
        <source>This visit has already moved on (someone decided it meanwhile). Sync to see its state.</source>
        <translation>This visit has already moved on (someone decided it meanwhile). Sync to see its state.</translation>
    </message>
    <message>
        <source>This record is not on this phone. Sync and try again.</source>
        <translation>This record is not on this phone. Sync and try again.</translation>
    </message>
    <message>
        <source>Could not save on this phone: %1</source>
        <translation>Could not save on this phone: %1</translation>
    </message>
    <message>
        <source>Choose the determined tier before approving.</source>
        <translation>Choose the determined tier before approving.</translation>
    </message>
    <message>
        <source>Write what the teacher should correct before returning the visit.</source>
        <translation>Write what the teacher should correct before returning the visit.</translation>
    </message>
</context>
<context>
    <name>ConflictsPage</name>
    <message>
        <source>Conflicts</source>
        <translation>Conflicts</translation>
    </message>
    <message>
        <source>Question: %1</source>
        <translation>Question: %1</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>(shown now)</source>
        <translation>(shown now)</translation>
    </message>
    <message>
        <source>Keep this one</source>
        <translation>Keep this one</translation>
    </message>
    <message>
        <source>No conflicts. When two people change the same answer, both versions wait here for your choice.</source>
        <translation>No conflicts. When two people change the same answer, both versions wait here for your choice.</translation>
    </message>
</context>
<context>
    <name>CoveragePage</name>
    <message>
        <source>Coverage</source>
        <translation>Coverage</translation>
    </message>
    <message>
        <source>%1 of %2 visited</source>
        <translation>%1 of %2 visited</translation>
    </message>
    <message>
        <source>%1 to go</source>
        <translation>%1 to go</translation>
    </message>
    <message>
        <source>All schools</source>
        <translation>All schools</translation>
    </message>
    <message>
        <source>Students</source>
        <translation>Students</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>visited</source>
        <translation>visited</translation>
    </message>
    <message>
        <source>not yet visited</source>
        <translation>not yet visited</translation>
    </message>
    <message>
        <source>No students on this phone yet. Sync to download the roster.</source>
        <translation>No students on this phone yet. Sync to download the roster.</translation>
    </message>
</context>
<context>
    <name>DateEditor</name>
    <message>
        <source>Choose a date</source>
        <translation>Choose a date</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
</context>
<context>
    <name>DraftsPage</name>
    <message>
        <source>Drafts</source>
        <translation>Drafts</translation>
    </message>
    <message>
        <source>No drafts. A visit you save without submitting waits here.</source>
        <translation>No drafts. A visit you save without submitting waits here.</translation>
    </message>
</context>
<context>
    <name>FieldEditor</name>
    <message>
        <source>+ Add</source>
        <translation>+ Add</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>Remove %1?</translation>
    </message>
    <message>
        <source>(no answer)</source>
        <translation>(no answer)</translation>
    </message>
    <message>
        <source>Whole number</source>
        <translation>Whole number</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Number</translation>
    </message>
</context>
<context>
    <name>FormModel</name>
    <message>
        <source>Latitude must be between -90 and 90 and longitude between -180 and 180.</source>
        <translation>Latitude must be between -90 and 90 and longitude between -180 and 180.</translation>
    </message>
    <message>
        <source>No location found. Try outdoors, or type it in.</source>
        <translation>No location found. Try outdoors, or type it in.</translation>
    </message>
    <message>
        <source>This photo cannot be read, or is too large.</source>
        <translation>This photo cannot be read, or is too large.</translation>
    </message>
    <message>
        <source>This file is not a photo.</source>
        <translation>This file is not a photo.</translation>
    </message>
    <message>
        <source>This visit cannot be saved here.</source>
        <translation>This visit cannot be saved here.</translation>
    </message>
    <message>
        <source>Draft saved on this phone at %1.</source>
        <translation>Draft saved on this phone at %1.</translation>
    </message>
    <message>
        <source>Submitted. It will be sent at the next sync.</source>
        <translation>Submitted. It will be sent at the next sync.</translation>
    </message>
    <message>
        <source>Enter a whole number, e.g. 3</source>
        <translation>Enter a whole number, e.g. 3</translation>
    </message>
    <message>
        <source>Enter a number, e.g. 1200.50</source>
        <translation>Enter a number, e.g. 1200.50</translation>
    </message>
    <message>
        <source>Enter a date like 2024-03-15</source>
        <translation>Enter a date like 2024-03-15</translation>
    </message>
    <message>
        <source>This answer is not valid</source>
        <translation>This answer is not valid</translation>
    </message>
</context>
<context>
    <name>GeoPointEditor</name>
    <message>
        <source>Finding location…</source>
        <translation>Finding location…</translation>
    </message>
    <message>
        <source>Get location</source>
        <translation>Get location</translation>
    </message>
    <message>
        <source>Type it in</source>
        <translation>Type it in</translation>
    </message>
    <message>
        <source>This phone has no GPS available. Type the location from another device or a map.</source>
        <translation>This phone has no GPS available. Type the location from another device or a map.</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <source>Use this location</source>
        <translation>Use this location</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>Please fill in the server address, your user name and your password.</source>
        <translation>Please fill in the server address, your user name and your password.</translation>
    </message>
    <message>
        <source>Cannot reach the server. Check the address and the signal, then try again.</source>
        <translation>Cannot reach the server. Check the address and the signal, then try again.</translation>
    </message>
    <message>
        <source>The user name or the password is wrong.</source>
        <translation>The user name or the password is wrong.</translation>
    </message>
    <message>
        <source>Too many attempts. Please wait a few minutes and try again.</source>
        <translation>Too many attempts. Please wait a few minutes and try again.</translation>
    </message>
    <message>
        <source>The server address is not valid. It looks like 192.168.1.10:7443.</source>
        <translation>The server address is not valid. It looks like 192.168.1.10:7443.</translation>
    </message>
    <message>
        <source>Sign-in failed: %1</source>
        <translation>Sign-in failed: %1</translation>
    </message>
    <message>
        <source>Home Visits</source>
        <translation>Home Visits</translation>
    </message>
    <message>
        <source>Record home visits even without signal. Sign in once with the account from your school.</source>
        <translation>Record home visits even without signal. Sign in once with the account from your school.</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>Signing in…</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Home Visits</source>
        <translation>Home Visits</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Review</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>Conflicts</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>Coverage</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>Roster</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Drafts</source>
        <translation>Drafts</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>Returned</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
</context>
<context>
    <name>PhotoEditor</name>
    <message>
        <source>Replace photo</source>
        <translation>Replace photo</translation>
    </message>
    <message>
        <source>Add photo</source>
        <translation>Add photo</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Choose a photo</source>
        <translation>Choose a photo</translation>
    </message>
    <message>
        <source>Photos (*.jpg *.jpeg *.png)</source>
        <translation>Photos (*.jpg *.jpeg *.png)</translation>
    </message>
</context>
<context>
    <name>Records</name>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Device %1</source>
        <translation>Device %1</translation>
    </message>
    <message>
        <source>Visit of %1</source>
        <translation>Visit of %1</translation>
    </message>
    <message>
        <source>Household of %1</source>
        <translation>Household of %1</translation>
    </message>
    <message>
        <source>A %1 record</source>
        <translation>A %1 record</translation>
    </message>
</context>
<context>
    <name>ReturnedPage</name>
    <message>
        <source>Returned</source>
        <translation>Returned</translation>
    </message>
    <message>
        <source>Nothing returned. Visits a coordinator sends back for correction appear here.</source>
        <translation>Nothing returned. Visits a coordinator sends back for correction appear here.</translation>
    </message>
</context>
<context>
    <name>ReviewQueuePage</name>
    <message>
        <source>To review</source>
        <translation>To review</translation>
    </message>
    <message>
        <source>No visit is waiting for review.</source>
        <translation>No visit is waiting for review.</translation>
    </message>
</context>
<context>
    <name>RosterPage</name>
    <message>
        <source>Students</source>
        <translation>Students</translation>
    </message>
    <message>
        <source>Search by name</source>
        <translation>Search by name</translation>
    </message>
    <message>
        <source>All villages</source>
        <translation>All villages</translation>
    </message>
    <message numerus="yes">
        <source>%n student(s)</source>
        <translation>
            <numerusform>%n student</numerusform><numerusform>%n students</numerusform></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 of %2</translation>
    </message>
    <message>
        <source>No students on this phone yet. Tap Sync to download your school's roster.</source>
        <translation>No students on this phone yet. Tap Sync to download your school's roster.</translation>
    </message>
    <message>
        <source>No student matches the search.</source>
        <translation>No student matches the search.</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>User</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Coordinator</source>
        <translation>Coordinator</translation>
    </message>
    <message>
        <source>Teacher</source>
        <translation>Teacher</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>This phone</source>
        <translation>This phone</translation>
    </message>
    <message>
        <source>Students</source>
        <translation>Students</translation>
    </message>
    <message>
        <source>To upload</source>
        <translation>To upload</translation>
    </message>
    <message>
        <source>Everything you record is kept on this phone until it reaches the server. Signing in again is only needed if the phone is replaced.</source>
        <translation>Everything you record is kept on this phone until it reaches the server. Signing in again is only needed if the phone is replaced.</translation>
    </message>
</context>
<context>
    <name>SignatureEditor</name>
    <message>
        <source>Keep signature</source>
        <translation>Keep signature</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Sign again</source>
        <translation>Sign again</translation>
    </message>
</context>
<context>
    <name>SignaturePad</name>
    <message>
        <source>Sign here</source>
        <translation>Sign here</translation>
    </message>
</context>
<context>
    <name>StudentPage</name>
    <message>
        <source>Student</source>
        <translation>Student</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>Born</source>
        <translation>Born</translation>
    </message>
    <message>
        <source>School</source>
        <translation>School</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>Student no.</source>
        <translation>Student no.</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>Village</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>Head</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
    <message numerus="yes">
        <source>%n person(s)</source>
        <translation>
            <numerusform>%n person</numerusform><numerusform>%n people</numerusform></translation>
    </message>
    <message>
        <source>Brothers and sisters at school</source>
        <translation>Brothers and sisters at school</translation>
    </message>
    <message>
        <source>No brothers or sisters on the roster.</source>
        <translation>No brothers or sisters on the roster.</translation>
    </message>
    <message>
        <source>Decisions</source>
        <translation>Decisions</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>Visit on %1</source>
        <translation>Visit on %1</translation>
    </message>
    <message>
        <source>No visit recorded yet.</source>
        <translation>No visit recorded yet.</translation>
    </message>
    <message>
        <source>Continue the visit</source>
        <translation>Continue the visit</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>New visit</translation>
    </message>
</context>
<context>
    <name>SyncBar</name>
    <message>
        <source>Connecting</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation>Signing in</translation>
    </message>
    <message>
        <source>Uploading</source>
        <translation>Uploading</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>Downloading</translation>
    </message>
    <message>
        <source>Uploading photos</source>
        <translation>Uploading photos</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>Checking</translation>
    </message>
    <message>
        <source>Syncing</source>
        <translation>Syncing</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>Never synced</translation>
    </message>
    <message>
        <source>Synced just now</source>
        <translation>Synced just now</translation>
    </message>
    <message numerus="yes">
        <source>Synced %n minute(s) ago</source>
        <translation>
            <numerusform>Synced %n minute ago</numerusform><numerusform>Synced %n minutes ago</numerusform></translation>
    </message>
    <message>
        <source>Synced today %1</source>
        <translation>Synced today %1</translation>
    </message>
    <message>
        <source>Synced %1</source>
        <translation>Synced %1</translation>
    </message>
    <message numerus="yes">
        <source>Sync complete. %n change(s) need a coordinator's decision.</source>
        <translation>
            <numerusform>Sync complete. %n change needs a coordinator's decision.</numerusform><numerusform>Sync complete. %n changes need a coordinator's decision.</numerusform></translation>
    </message>
    <message>
        <source>Sync complete. Everything is up to date.</source>
        <translation>Sync complete. Everything is up to date.</translation>
    </message>
    <message>
        <source>Cannot reach the server. Your data is safe on this phone; sync again when there is signal.</source>
        <translation>Cannot reach the server. Your data is safe on this phone; sync again when there is signal.</translation>
    </message>
    <message>
        <source>Your sign-in is no longer valid. Please sign in again.</source>
        <translation>Your sign-in is no longer valid. Please sign in again.</translation>
    </message>
    <message>
        <source>The server refused some changes: %1</source>
        <translation>The server refused some changes: %1</translation>
    </message>
    <message>
        <source>Sync stopped. Nothing was lost; sync again to continue.</source>
        <translation>Sync stopped. Nothing was lost; sync again to continue.</translation>
    </message>
    <message>
        <source>The server had a problem. Your data is safe on this phone; try again later.</source>
        <translation>The server had a problem. Your data is safe on this phone; try again later.</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) to upload</source>
        <translation>
            <numerusform>%n record to upload</numerusform><numerusform>%n records to upload</numerusform></translation>
    </message>
    <message>
        <source>Nothing to upload</source>
        <translation>Nothing to upload</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>%1: %2 of %3</source>
        <translation>%1: %2 of %3</translation>
    </message>
    <message>
        <source>This phone was taken out of service by the administrator and its data was erased.</source>
        <translation>This phone was taken out of service by the administrator and its data was erased.</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Draft</source>
        <translation>Draft</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <source>Resubmitted</source>
        <translation>Resubmitted</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>Returned</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>Approved</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <source>Not visited</source>
        <translation>Not visited</translation>
    </message>
    <message>
        <source>Boy</source>
        <translation>Boy</translation>
    </message>
    <message>
        <source>Girl</source>
        <translation>Girl</translation>
    </message>
    <message>
        <source>Especially difficult</source>
        <translation>Especially difficult</translation>
    </message>
    <message>
        <source>Difficult</source>
        <translation>Difficult</translation>
    </message>
    <message>
        <source>Somewhat difficult</source>
        <translation>Somewhat difficult</translation>
    </message>
    <message>
        <source>Not in difficulty</source>
        <translation>Not in difficulty</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>Not set</translation>
    </message>
</context>
<context>
    <name>VisitCard</name>
    <message>
        <source>Suggested: %1</source>
        <translation>Suggested: %1</translation>
    </message>
    <message>
        <source>Decided: %1</source>
        <translation>Decided: %1</translation>
    </message>
    <message>
        <source>Saved on this phone, not uploaded yet</source>
        <translation>Saved on this phone, not uploaded yet</translation>
    </message>
    <message>
        <source>Coordinator: %1</source>
        <translation>Coordinator: %1</translation>
    </message>
</context>
<context>
    <name>VisitDetailPage</name>
    <message>
        <source>Visit: %1</source>
        <translation>Visit: %1</translation>
    </message>
    <message>
        <source>Teacher</source>
        <translation>Teacher</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Updated</translation>
    </message>
    <message>
        <source>Suggested</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <source>Decided</source>
        <translation>Decided</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>Comment</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>Answers</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Decision</translation>
    </message>
    <message>
        <source>Determined tier</source>
        <translation>Determined tier</translation>
    </message>
    <message>
        <source>Comment (needed when returning)</source>
        <translation>Comment (needed when returning)</translation>
    </message>
    <message>
        <source>What should the teacher check or correct?</source>
        <translation>What should the teacher check or correct?</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Approve</translation>
    </message>
    <message>
        <source>Return for correction</source>
        <translation>Return for correction</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Reject</translation>
    </message>
    <message>
        <source>Reject this visit?</source>
        <translation>Reject this visit?</translation>
    </message>
    <message>
        <source>The family will not be identified from this visit. The teacher sees your comment.</source>
        <translation>The family will not be identified from this visit. The teacher sees your comment.</translation>
    </message>
    <message>
        <source>Decide: approve, return or reject</source>
        <translation>Decide: approve, return or reject</translation>
    </message>
</context>
<context>
    <name>VisitFormPage</name>
    <message>
        <source>Visit: %1</source>
        <translation>Visit: %1</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>Visit</translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) need attention before submitting.</source>
        <translation>
            <numerusform>%n answer needs attention before submitting.</numerusform><numerusform>%n answers need attention before submitting.</numerusform></translation>
    </message>
    <message>
        <source>Save draft</source>
        <translation>Save draft</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>Submit</translation>
    </message>
</context>
</TS>