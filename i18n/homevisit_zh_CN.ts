<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AppStore</name>
    <message>
        <source>You are not allowed to do this.</source>
        <translation>您没有权限进行此操作。</translation>
    </message>
    <message>
        <source>This visit has already moved on (someone decided it meanwhile). Sync to see its state.</source>
        <translation>这次家访的状态已经变了（可能已有人处理）。请同步后查看。</translation>
    </message>
    <message>
        <source>This record is not on this phone. Sync and try again.</source>
        <translation>本机没有这条记录。请同步后再试。</translation>
    </message>
    <message>
        <source>Could not save on this phone: %1</source>
        <translation>无法保存到本机：%1</translation>
    </message>
    <message>
        <source>Choose the determined tier before approving.</source>
        <translation>通过前请先选择认定等级。</translation>
    </message>
    <message>
        <source>Write what the teacher should correct before returning the visit.</source>
        <translation>退回前请写明需要老师修改的地方。</translation>
    </message>
</context>
<context>
    <name>ConflictsPage</name>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Question: %1</source>
        <translation>问题：%1</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>(shown now)</source>
        <translation>（当前显示）</translation>
    </message>
    <message>
        <source>Keep this one</source>
        <translation>保留这个</translation>
    </message>
    <message>
        <source>No conflicts. When two people change the same answer, both versions wait here for your choice.</source>
        <translation>没有冲突。两个人同时修改同一个答案时，两个版本都会在这里等您选择。</translation>
    </message>
</context>
<context>
    <name>CoveragePage</name>
    <message>
        <source>Coverage</source>
        <translation>覆盖情况</translation>
    </message>
    <message>
        <source>%1 of %2 visited</source>
        <translation>已访 %1 / 共 %2</translation>
    </message>
    <message>
        <source>%1 to go</source>
        <translation>还差 %1</translation>
    </message>
    <message>
        <source>All schools</source>
        <translation>全部学校</translation>
    </message>
    <message>
        <source>Students</source>
        <translation>学生</translation>
    </message>
    <message>
        <source>Households</source>
        <translation>家庭</translation>
    </message>
    <message>
        <source>visited</source>
        <translation>已家访</translation>
    </message>
    <message>
        <source>not yet visited</source>
        <translation>未家访</translation>
    </message>
    <message>
        <source>No students on this phone yet. Sync to download the roster.</source>
        <translation>本机还没有学生名单。请同步下载名册。</translation>
    </message>
</context>
<context>
    <name>DateEditor</name>
    <message>
        <source>Choose a date</source>
        <translation>选择日期</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
</context>
<context>
    <name>DraftsPage</name>
    <message>
        <source>Drafts</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>No drafts. A visit you save without submitting waits here.</source>
        <translation>没有草稿。保存但未提交的家访会放在这里。</translation>
    </message>
</context>
<context>
    <name>FieldEditor</name>
    <message>
        <source>+ Add</source>
        <translation>＋ 添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>删除“%1”？</translation>
    </message>
    <message>
        <source>(no answer)</source>
        <translation>（未填写）</translation>
    </message>
    <message>
        <source>Whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>数字</translation>
    </message>
</context>
<context>
    <name>FormModel</name>
    <message>
        <source>Latitude must be between -90 and 90 and longitude between -180 and 180.</source>
        <translation>纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间。</translation>
    </message>
    <message>
        <source>No location found. Try outdoors, or type it in.</source>
        <translation>没有找到位置。请到室外再试，或手动填写。</translation>
    </message>
    <message>
        <source>This photo cannot be read, or is too large.</source>
        <translation>无法读取这张照片，或照片太大。</translation>
    </message>
    <message>
        <source>This file is not a photo.</source>
        <translation>这个文件不是照片。</translation>
    </message>
    <message>
        <source>This visit cannot be saved here.</source>
        <translation>这次家访无法在这里保存。</translation>
    </message>
    <message>
        <source>Draft saved on this phone at %1.</source>
        <translation>草稿已保存在本机（%1）。</translation>
    </message>
    <message>
        <source>Submitted. It will be sent at the next sync.</source>
        <translation>已提交，下次同步时上传。</translation>
    </message>
    <message>
        <source>Enter a whole number, e.g. 3</source>
        <translation>请填写整数，例如 3</translation>
    </message>
    <message>
        <source>Enter a number, e.g. 1200.50</source>
        <translation>请填写数字，例如 1200.50</translation>
    </message>
    <message>
        <source>Enter a date like 2024-03-15</source>
        <translation>请按 2024-03-15 的格式填写日期</translation>
    </message>
    <message>
        <source>This answer is not valid</source>
        <translation>这个答案无效</translation>
    </message>
</context>
<context>
    <name>GeoPointEditor</name>
    <message>
        <source>Finding location…</source>
        <translation>正在定位…</translation>
    </message>
    <message>
        <source>Get location</source>
        <translation>获取位置</translation>
    </message>
    <message>
        <source>Type it in</source>
        <translation>手动填写</translation>
    </message>
    <message>
        <source>This phone has no GPS available. Type the location from another device or a map.</source>
        <translation>这部手机无法定位。请参照其他设备或地图手动填写位置。</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>Use this location</source>
        <translation>使用这个位置</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Please fill in the server address, your user name and your password.</source>
        <translation>请填写服务器地址、用户名和密码。</translation>
    </message>
    <message>
        <source>Cannot reach the server. Check the address and the signal, then try again.</source>
        <translation>连接不上服务器。请检查地址和信号后再试。</translation>
    </message>
    <message>
        <source>The user name or the password is wrong.</source>
        <translation>用户名或密码不对。</translation>
    </message>
    <message>
        <source>Too many attempts. Please wait a few minutes and try again.</source>
        <translation>尝试次数太多，请等几分钟再试。</translation>
    </message>
    <message>
        <source>The server address is not valid. It looks like 192.168.1.10:7443.</source>
        <translation>服务器地址格式不对，应类似 192.168.1.10:7443。</translation>
    </message>
    <message>
        <source>Sign-in failed: %1</source>
        <translation>登录失败：%1</translation>
    </message>
    <message>
        <source>Home Visits</source>
        <translation>家访</translation>
    </message>
    <message>
        <source>Record home visits even without signal. Sign in once with the account from your school.</source>
        <translation>没有信号也能记录家访。用学校发给您的账号登录一次即可。</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Home Visits</source>
        <translation>家访</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>覆盖情况</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>名册</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Drafts</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
<context>
    <name>PhotoEditor</name>
    <message>
        <source>Replace photo</source>
        <translation>重新拍照</translation>
    </message>
    <message>
        <source>Add photo</source>
        <translation>添加照片</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Choose a photo</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <source>Photos (*.jpg *.jpeg *.png)</source>
        <translation>照片 (*.jpg *.jpeg *.png)</translation>
    </message>
</context>
<context>
    <name>Records</name>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Device %1</source>
        <translation>设备 %1</translation>
    </message>
    <message>
        <source>Visit of %1</source>
        <translation>%1 的家访</translation>
    </message>
    <message>
        <source>Household of %1</source>
        <translation>%1 的家庭</translation>
    </message>
    <message>
        <source>A %1 record</source>
        <translation>一条 %1 记录</translation>
    </message>
</context>
<context>
    <name>ReturnedPage</name>
    <message>
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Nothing returned. Visits a coordinator sends back for correction appear here.</source>
        <translation>没有退回的家访。审核人员退回修改的家访会出现在这里。</translation>
    </message>
</context>
<context>
    <name>ReviewQueuePage</name>
    <message>
        <source>To review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <source>No visit is waiting for review.</source>
        <translation>没有等待审核的家访。</translation>
    </message>
</context>
<context>
    <name>RosterPage</name>
    <message>
        <source>Students</source>
        <translation>学生</translation>
    </message>
    <message>
        <source>Search by name</source>
        <translation>按姓名搜索</translation>
    </message>
    <message>
        <source>All villages</source>
        <translation>全部村</translation>
    </message>
    <message numerus="yes">
        <source>%n student(s)</source>
        <translation>
            <numerusform>%n 名学生</numerusform></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>No students on this phone yet. Tap Sync to download your school's roster.</source>
        <translation>本机还没有学生名单。请点“同步”下载本校名册。</translation>
    </message>
    <message>
        <source>No student matches the search.</source>
        <translation>没有找到符合条件的学生。</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Coordinator</source>
        <translation>审核人员</translation>
    </message>
    <message>
        <source>Teacher</source>
        <translation>老师</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>This phone</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Students</source>
        <translation>学生</translation>
    </message>
    <message>
        <source>To upload</source>
        <translation>待上传</translation>
    </message>
    <message>
        <source>Everything you record is kept on this phone until it reaches the server. Signing in again is only needed if the phone is replaced.</source>
        <translation>您记录的内容会一直保存在本机，直到上传到服务器。只有换手机时才需要重新登录。</translation>
    </message>
</context>
<context>
    <name>SignatureEditor</name>
    <message>
        <source>Keep signature</source>
        <translation>确认签字</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Sign again</source>
        <translation>重新签字</translation>
    </message>
</context>
<context>
    <name>SignaturePad</name>
    <message>
        <source>Sign here</source>
        <translation>请在这里签字</translation>
    </message>
</context>
<context>
    <name>StudentPage</name>
    <message>
        <source>Student</source>
        <translation>学生</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Born</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>School</source>
        <translation>学校</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>班级</translation>
    </message>
    <message>
        <source>Student no.</source>
        <translation>学籍号</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村组</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>家庭</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>户主</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>人口</translation>
    </message>
    <message numerus="yes">
        <source>%n person(s)</source>
        <translation>
            <numerusform>%n 人</numerusform></translation>
    </message>
    <message>
        <source>Brothers and sisters at school</source>
        <translation>在校的兄弟姐妹</translation>
    </message>
    <message>
        <source>No brothers or sisters on the roster.</source>
        <translation>名册上没有兄弟姐妹。</translation>
    </message>
    <message>
        <source>Decisions</source>
        <translation>认定结果</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>家访记录</translation>
    </message>
    <message>
        <source>Visit on %1</source>
        <translation>%1 家访</translation>
    </message>
    <message>
        <source>No visit recorded yet.</source>
        <translation>还没有家访记录。</translation>
    </message>
    <message>
        <source>Continue the visit</source>
        <translation>继续这次家访</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>新建家访</translation>
    </message>
</context>
<context>
    <name>SyncBar</name>
    <message>
        <source>Connecting</source>
        <translation>正在连接</translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation>正在登录</translation>
    </message>
    <message>
        <source>Uploading</source>
        <translation>正在上传</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Uploading photos</source>
        <translation>正在上传照片</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>正在核对</translation>
    </message>
    <message>
        <source>Syncing</source>
        <translation>正在同步</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Synced just now</source>
        <translation>刚刚同步</translation>
    </message>
    <message numerus="yes">
        <source>Synced %n minute(s) ago</source>
        <translation>
            <numerusform>%n 分钟前同步</numerusform></translation>
    </message>
    <message>
        <source>Synced today %1</source>
        <translation>今天 %1 同步</translation>
    </message>
    <message>
        <source>Synced %1</source>
        <translation>%1 同步</translation>
    </message>
    <message numerus="yes">
        <source>Sync complete. %n change(s) need a coordinator's decision.</source>
        <translation>
            <numerusform>同步完成。有 %n 处修改需要审核人员决定。</numerusform></translation>
    </message>
    <message>
        <source>Sync complete. Everything is up to date.</source>
        <translation>同步完成，数据已是最新。</translation>
    </message>
    <message>
        <source>Cannot reach the server. Your data is safe on this phone; sync again when there is signal.</source>
        <translation>服务器不可达，数据已安全保存在本机。有信号时再同步。</translation>
    </message>
    <message>
        <source>Your sign-in is no longer valid. Please sign in again.</source>
        <translation>登录已失效，请重新登录。</translation>
    </message>
    <message>
        <source>The server refused some changes: %1</source>
        <translation>服务器拒绝了部分修改：%1</translation>
    </message>
    <message>
        <source>Sync stopped. Nothing was lost; sync again to continue.</source>
        <translation>同步已停止，数据没有丢失。再次同步即可继续。</translation>
    </message>
    <message>
        <source>The server had a problem. Your data is safe on this phone; try again later.</source>
        <translation>服务器出了问题，数据已安全保存在本机。请稍后再试。</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) to upload</source>
        <translation>
            <numerusform>%n 条待上传</numerusform></translation>
    </message>
    <message>
        <source>Nothing to upload</source>
        <translation>没有待上传的内容</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>%1: %2 of %3</source>
        <translation>%1：%2 / %3</translation>
    </message>
    <message>
        <source>This phone was taken out of service by the administrator and its data was erased.</source>
        <translation>这部手机已被管理员停用，本机数据已清除。</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <source>Resubmitted</source>
        <translation>已重新提交</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>Not visited</source>
        <translation>未家访</translation>
    </message>
    <message>
        <source>Boy</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Girl</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Especially difficult</source>
        <translation>特别困难</translation>
    </message>
    <message>
        <source>Difficult</source>
        <translation>困难</translation>
    </message>
    <message>
        <source>Somewhat difficult</source>
        <translation>一般困难</translation>
    </message>
    <message>
        <source>Not in difficulty</source>
        <translation>不困难</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>未设定</translation>
    </message>
</context>
<context>
    <name>VisitCard</name>
    <message>
        <source>Suggested: %1</source>
        <translation>建议：%1</translation>
    </message>
    <message>
        <source>Decided: %1</source>
        <translation>认定：%1</translation>
    </message>
    <message>
        <source>Saved on this phone, not uploaded yet</source>
        <translation>已保存在本机，尚未上传</translation>
    </message>
    <message>
        <source>Coordinator: %1</source>
        <translation>审核意见：%1</translation>
    </message>
</context>
<context>
    <name>VisitDetailPage</name>
    <message>
        <source>Visit: %1</source>
        <translation>家访：%1</translation>
    </message>
    <message>
        <source>Teacher</source>
        <translation>老师</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <source>Suggested</source>
        <translation>老师建议</translation>
    </message>
    <message>
        <source>Decided</source>
        <translation>认定等级</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>意见</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>家访内容</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>审核决定</translation>
    </message>
    <message>
        <source>Determined tier</source>
        <translation>认定等级</translation>
    </message>
    <message>
        <source>Comment (needed when returning)</source>
        <translation>审核意见（退回时必填）</translation>
    </message>
    <message>
        <source>What should the teacher check or correct?</source>
        <translation>请写明老师需要核实或修改的内容</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Return for correction</source>
        <translation>退回修改</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>不通过</translation>
    </message>
    <message>
        <source>Reject this visit?</source>
        <translation>确定不通过这次家访？</translation>
    </message>
    <message>
        <source>The family will not be identified from this visit. The teacher sees your comment.</source>
        <translation>这次家访将不予认定。老师会看到您的意见。</translation>
    </message>
    <message>
        <source>Decide: approve, return or reject</source>
        <translation>审核：通过、退回或不通过</translation>
    </message>
</context>
<context>
    <name>VisitFormPage</name>
    <message>
        <source>Visit: %1</source>
        <translation>家访：%1</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>家访</translation>
    </message>
    <message numerus="yes">
        <source>%n answer(s) need attention before submitting.</source>
        <translation>
            <numerusform>还有 %n 处需要填写或修改，才能提交。</numerusform></translation>
    </message>
    <message>
        <source>Save draft</source>
        <translation>保存草稿</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
</context>
</TS>