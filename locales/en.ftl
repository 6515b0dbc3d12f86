# English strings of the bot. Texts are HTML for Telegram: arguments arrive
# already escaped; keep tags balanced on every line.

## Counts

questions-count = { $count } { $count ->
    [one] question
   *[other] questions
}
sections-count = { $count } { $count ->
    [one] section
   *[other] sections
}
minutes-count = { $count } { $count ->
    [one] minute
   *[other] minutes
}

## /start

start-greeting =
    👋 Hello, { $name }!

    <b>{ $title }</b>
    <i>{ $subtitle }</i>

    { $intro }

    ⏱ About { $minutes }: { $questions } in { $sections }. Questions come one at a time; you answer with buttons. Every tap is saved, so you can stop and pick up later, even on another device.
start-legend-title = <b>How to answer</b>
start-priority-title = <b>Priority</b> — rate it after “No” (and, if you like, after “Not applicable”):
start-choose = 👋 Hello, { $name }! Choose an audit:
start-choose-item = { $number }. <b>{ $title }</b> — { $questions }, about { $minutes }
start-choose-hint = Every tap is saved, so you can stop and pick up later, even on another device. Bot language: /language
start-in-progress =
    You have an unfinished audit, “{ $title }”: { $answered } of { $total } answered.

    Continue where you left off, or start over?
start-no-checklists = There are no checklists yet. Please contact the bot's administrator.

## Buttons

btn-start = ▶️ Start the audit
btn-start-named = ▶️ { $number }. { $title }
btn-start-other = ▶️ Start “{ $title }”
btn-continue = ▶️ Continue ({ $answered } of { $total })
btn-restart = 🔄 Start over
btn-restart-confirm = Yes, start over
btn-restart-cancel = No, continue
btn-yes = ✅ Yes
btn-no = ❌ No
btn-na = ➖ Not applicable
btn-back = ⬅️ Back
btn-low = 🟢 Low
btn-medium = 🟡 Medium
btn-high = 🔴 High
btn-skip = Skip
btn-jump = ⏭ To the first unanswered
btn-finish = 🏁 Finish and see the results

## Answers and priorities, as words

answer-yes = Yes
answer-no = No
answer-na = Not applicable
priority-low = Low
priority-medium = Medium
priority-high = High
icon-yes = ✅
icon-no = ❌
icon-na = ➖
icon-low = 🟢
icon-medium = 🟡
icon-high = 🔴

## The audit card

card-section = 📋 <b>{ $title }</b>
card-position = Section { $section }/{ $sections } · Question { $index }/{ $total }
card-bar = { $bar } { $percent }%
card-current-answer = Your answer: { $answer }
card-current-answer-priority = Your answer: { $answer } · { $priority }
card-ask-priority-no = ❌ <b>No.</b> How much does this matter for keeping customers?
card-ask-priority-na = ➖ <b>Not applicable.</b> If there is still something to improve here, rate its priority; if not, tap “Skip”.
card-priority-line = { $icon } <b>{ $name }</b> — { $description }
card-finished = ✅ <b>Audit finished.</b> { $answered } of { $total } answered. The results are below.
card-abandoned = This audit was stopped and saved. The new audit is in the card below.

## Notices on button presses (at most 200 characters)

ack-answer = Saved: { $answer }
ack-answer-priority = Saved: { $answer } · { $priority }
ack-skip = Saved: Not applicable · no priority
ack-back = Previous question
ack-undo = Answer undone — choose again
ack-jump = First unanswered question
ack-finished = Audit finished! Sending the results…
ack-started = Audit started. The first question is below.
ack-continue = Let's continue
ack-restart-cancelled = Continuing the current audit
notice-stale = This button was already pressed or is out of date — nothing changed. Current question: /continue
notice-not-yours = This is not your audit. Start your own with /start
notice-unknown-button = I don't understand this button — nothing changed. Current question: /continue
notice-closed = This audit is already finished. Results: /summary, new audit: /start
notice-no-audit = There is no audit in progress. Start one: /start
notice-priority-required = After “No”, choose a priority
notice-at-first = This is the first question
notice-nothing-unanswered = Every question is already answered
notice-incomplete = Not every question has an answer yet
notice-not-awaiting-priority = Answer the question first
notice-error = Couldn't save — please try again in a minute
notice-failed = Something went wrong. Current question: /continue

## Messages

restart-confirm =
    Start the audit “{ $title }” over?

    The current audit ({ $answered } of { $total } answered) will be kept as stopped; you won't be able to continue it.
restart-confirm-other =
    Start the audit “{ $other }”?

    The current audit, “{ $title }” ({ $answered } of { $total } answered), will be kept as stopped; you won't be able to continue it.
no-audit = There is no audit in progress. Send /start to begin.
checklist-gone = The checklist of this audit is no longer available. Send /start to begin a new one.
error-internal = ⚠️ Something went wrong; nothing changed. Please try again in a minute.
not-in-audit-text = I understand buttons and commands. Start an audit: /start, help: /help

## /progress

progress-title = 📈 <b>Progress: { $answered } of { $total }</b>
progress-section = { $icon } { $number }. { $title } — { $answered }/{ $total }

## /help

help =
    <b>How the audit works</b>
    The bot asks one question at a time. Answer each with a button:
    ✅ <b>Yes</b> — { $yes }
    ❌ <b>No</b> — { $no }
    ➖ <b>Not applicable</b> — { $na }

    After “No”, choose a priority; after “Not applicable”, a priority or “Skip”:
    🟢 <b>Low</b> — { $low }
    🟡 <b>Medium</b> — { $medium }
    🔴 <b>High</b> — { $high }

    “⬅️ Back” returns to the previous question, and you can change the answer. Every tap is saved at once: you can close Telegram and carry on later, on any device.

    <b>Commands</b>
    /start — start an audit or continue the one in progress
    /continue — show the current question
    /progress — progress by section
    /summary — the results (interim if the audit isn't finished)
    /restart — start the audit over
    /plan — the action plan: owners, deadlines, what's done
    /report — the report as files: PDF and a CSV table
    /history — your audits and their scores
    /language — bot language: українська, русский, English
    /settings — reminders: switch them on or off
    /delete_my_data — delete all your data
    /help — this help

## /delete_my_data

delete-confirm =
    🗑 <b>Delete all your data?</b>

    All your audits and answers will be deleted, including an unfinished audit. This cannot be undone.
btn-delete-confirm = 🗑 Yes, delete everything
btn-delete-cancel = No, keep it
delete-done = 🗑 Done: { $audits } audits and { $answers } answers deleted. The bot keeps nothing about you any more. Start again: /start
delete-cancelled = Nothing was deleted.
ack-deleted = Data deleted
ack-delete-cancelled = Nothing was deleted

## Command menu (at most 256 characters each)

cmd-start = Start or continue the audit
cmd-continue = Show the current question
cmd-progress = Progress by section
cmd-summary = Results and the action plan
cmd-history = My audits and their scores
cmd-restart = Start the audit over
cmd-help = How to answer and what the bot can do
cmd-delete-my-data = Delete all my data
cmd-language = Bot language: українська, русский, English
cmd-plan = Action plan: owners and deadlines
cmd-report = The report as files: PDF and CSV

## Summary

summary-title-final = 📊 <b>Results of the audit “{ $title }”</b>
summary-title-interim = 📊 <b>Interim results of the audit “{ $title }”</b>
summary-interim-note = <i>{ $answered } of { $total } answered. The results count only the answered questions.</i>
summary-overall = <b>Overall score: { $percent }%</b> — “Yes” in { $yes } of { $applicable } applicable answers
summary-overall-none = <b>Overall score:</b> no applicable answers yet
summary-sections-title = <b>Scores by section</b>
summary-section = { $bar } { $percent }% · { $title }
summary-section-none = { $bar } — · { $title }
summary-top-title = 🎯 <b>Top 3 problem areas</b>
summary-plan-title = 🗂 <b>Action plan</b>
summary-plan-item = { $number }. { $icon } <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-plan-item-done = { $number }. ✅ <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-zone = { $number }. <b>{ $title }</b> — { $icon } { $priority }
summary-problems-title = 🛠 <b>Problems by priority</b>
summary-priority-group = { $icon } <b>{ $priority }</b>
summary-problem = • <b>{ $question }</b>
summary-problem-na = • <b>{ $question }</b> <i>(not applicable, but there is room to improve)</i>
summary-problem-action = → { $action }
summary-no-problems = No problems found — an excellent result!
summary-strengths-title = 💪 <b>Strengths</b>
summary-strength = • { $title }
summary-footer = Action plan: /plan · PDF and CSV report: /report · New audit: /start · Help: /help
summary-changes-title = 📈 <b>Changes since the audit of { $date }</b>
summary-change-overall = Overall score: { $then } → { $now }
summary-change-section = { $title }: { $then } → { $now }
summary-fixed-title = ✅ <b>Fixed</b> (“No” → “Yes”):
summary-fixed = • { $question }
summary-new-title = ⚠️ <b>New problems:</b>
summary-new = • { $question } — { $icon } { $priority }

## The chart

chart-title = Scores by section
chart-overall = Overall score
chart-no-data = no data
chart-caption = 📊 Scores by section: the share of “Yes” among applicable answers

## /history

history-title = 🗂 <b>Your audits</b>
history-item = { $date } · { $title } · { $score } · { $status }
history-status-finished = finished
history-status-abandoned = stopped
history-status-in-progress = in progress, { $answered } of { $total }
history-empty = You have no audits yet. Start one: /start

## Report file: the PDF and CSV sent as documents. Plain text, no HTML.

report-file-name = Audit report
report-file-title = Audit report
report-file-date = Audit date
report-file-user = User
report-file-answered = Questions answered
report-file-interim = The audit is not finished: scores and problems count only the answered questions.
report-file-overall = Overall score
report-file-score-hint = The score is the share of “Yes” among applicable answers (“Yes” and “No”).
report-file-scores-heading = Scores by section
report-file-answers-heading = Answers by section
report-file-problems-heading = Problems by priority and recommended actions
report-file-plan-heading = Action plan
report-file-col-number = No.
report-file-col-section = Section
report-file-col-score = Score
report-file-col-answered = Answered
report-file-col-question-id = Question ID
report-file-col-question = Question
report-file-col-answer = Answer
report-file-col-priority = Priority
report-file-col-note = Note
report-file-col-action = Recommended action
report-file-col-zone = Problem area
report-file-col-solution = Proposed solution
report-file-col-owner = Owner
report-file-col-deadline = Deadline
report-file-col-done = Done
report-file-col-kind = Row type
report-file-kind-answer = Answer
report-file-kind-plan = Plan
report-file-no-answer = no answer
report-file-no-priority = no priority
report-file-no-data = no data
report-file-problem-na = Not applicable, but there is room to improve
report-file-no-problems = No problems found — an excellent result!
report-file-no-plan = No action plan yet.
report-file-no-owner = not assigned
report-file-no-deadline = not set
report-file-done-yes = Yes
report-file-done-no = No
report-file-page = Page

## Notes on answers

btn-note = 📝 Note on question { $number }
btn-note-edit = 📝 Edit the note on question { $number }
card-note = 📝 Note: <i>{ $note }</i>
note-prompt =
    📝 <b>Note on question { $number }</b>
    <i>{ $question }</i>

    Write the note in one message — up to { $max } characters. It goes into the results and the report.
note-prompt-current = Now: <i>{ $note }</i>
btn-note-delete = 🗑 Delete the note
btn-note-cancel = ✖️ Cancel
ack-note-prompt = Write the note as a message
note-saved = ✅ Note on question { $number } saved.
note-deleted = 🗑 Note on question { $number } deleted.
note-cancelled = The note is unchanged.
ack-note-cancelled = The note is unchanged
ack-note-deleted = Note deleted
note-empty = The message has no text. Write the note or tap “✖️ Cancel” — nothing was saved.
note-too-long = The note is longer than { $max } characters (it has { $chars }). Shorten it and send it again — nothing was saved.
note-answer-gone = Question { $number } no longer has an answer — the note was not saved.
notice-plan-underway = Finish the action plan first (or “⏹ Finish the plan”) — then you can add a note
notice-nothing-to-note = A note belongs to an answer — answer the question first
summary-note = 📝 <i>{ $note }</i>

## The action plan

plan-intro = 🗂 <b>Now the action plan.</b> For each problem area: who is in charge and by when. It takes about a minute; you can change everything later with /plan.
plan-item-head = 🗂 <b>Action plan · item { $number } of { $total }</b>
plan-item-zone = <b>{ $zone }</b>
plan-item-priority = Priority: { $icon } { $priority }
plan-item-solution = 💡 Solution: { $solution }
plan-item-solution-head = 💡 Solution:
plan-item-solution-line = • { $action }
plan-item-owner = 👤 Owner: { $owner }
plan-item-deadline = 📅 Deadline: { $deadline }
plan-item-done = ✅ <b>Done</b>
plan-item-overdue = ⏰ <b>Overdue by { $days } { $days ->
    [one] day
   *[other] days
}</b>
plan-no-owner = not assigned
plan-no-deadline = not set
plan-ask-owner = 👤 <b>Who is in charge?</b> Type a name or a role (up to { $max } characters), or tap a button.
plan-ask-deadline = 📅 <b>Deadline?</b> Tap a button (⭐ is the one suggested for this priority) or type a date as DD.MM.YYYY.
plan-ask-solution = ✏️ <b>Your own solution.</b> Write it in one message (up to { $max } characters); it replaces the proposed one.
btn-owner-me = 👤 Me
btn-skip-owner = Skip
btn-edit-solution = ✏️ My own solution
btn-keep-solution = ↩️ Keep the proposed one
btn-plan-stop = ⏹ Finish the plan
btn-term-week = 1 week · { $date }
btn-term-two-weeks = 2 weeks · { $date }
btn-term-month = 1 month · { $date }
btn-term-three-months = 3 months · { $date }
btn-term-default = ⭐ { $label }
btn-skip-deadline = No deadline
plan-offer-high = The problem areas are done. Add every 🔴 “High” problem to the plan as an item of its own, with its own owner and deadline? There are { $count }.
btn-plan-more = ➕ Yes, add them ({ $count })
btn-plan-enough = ✅ No, the plan is done
plan-press-button = Tap a button under the question above: add the “High” problems or finish the plan.
owner-empty = The message has no name. Type who is in charge (up to { $max } characters) or tap a button — nothing changed.
owner-too-long = Too long: { $chars } characters, and the limit is { $max }. Make it shorter — nothing changed.
solution-empty = The message has no text. Write the solution or tap “↩️ Keep the proposed one” — nothing changed.
solution-too-long = The solution is longer than { $max } characters (it has { $chars }). Shorten it — nothing changed.
date-not-a-date = I didn't understand the date. Type it as DD.MM.YYYY, for example { $example }, or tap a button — nothing changed.
date-impossible = There is no such day: { $text }. Check the day and the month — nothing changed.
date-past = { $text } has already passed. The deadline is today ({ $today }) or later; nothing changed.
date-too-far = { $text } is more than { $years } years away. Choose an earlier deadline — nothing changed.
ack-owner = Owner: { $owner }
ack-owner-skipped = No owner assigned
ack-deadline = Deadline: { $date }
ack-deadline-skipped = No deadline
ack-solution-edit = Write your solution as a message
ack-solution-kept = The solution is unchanged
ack-plan-more = Added to the plan
ack-plan-done = The plan is done
ack-plan-stopped = Plan saved
ack-plan-item-done = Marked as done
ack-plan-item-undone = Back in progress
ack-plan-edit = Changing item { $number }
plan-stopped = Plan saved. Back to it: /plan
plan-title = 🗂 <b>Action plan — “{ $title }”</b>
plan-title-date = Audit of { $date } · overall score { $score }
plan-empty = No problems found — no action plan needed. 🎉
plan-footer = Change an item or mark it done: /plan · Report files: /report
plan-need-finished = The action plan is made from a finished audit. Continue the current one: /continue
plan-no-audit = No finished audits yet — the plan comes after an audit. Start one: /start
btn-plan-edit = ✏️ Item { $number }
btn-plan-done = ☑️ { $number } done
btn-plan-undone = ↩️ { $number } not done
pending-not-a-command = There is no such command. I'm waiting for the answer to the question above — type it or tap a button. All commands: /help
notice-dates-outdated = Those dates have passed — I updated the buttons, please choose again
notice-plan-stale = This plan question is out of date — nothing changed. The plan: /plan

## Report files

report-none = No finished audit yet — the report comes once you have answered every question. Start: /start
report-caption-pdf = 📄 Audit report: scores, answers, problems and the action plan
report-caption-csv = 📑 Every answer and the plan as a table (CSV, opens in Excel)
report-failed = ⚠️ Couldn't prepare the report. Please try /report again in a minute.

## /language (each language's name is written in that language)

language-name = English
language-prompt =
    🌐 <b>Bot language</b>
    Now: { $current }. Choose a language for the audit questions, results, plan and reports. Your answers stay as they are.
btn-language-current = ✓ { $name }
notice-not-your-language = These buttons are for whoever sent /language. Your own: /language
ack-language = Bot language: English
language-set = ✅ Bot language: { $name }. The current card and questions are in it already.

## The bot's profile: its description (at most 512 characters) and short
## description (at most 120), set at start

bot-description = This bot audits your business: why customers leave and how well you look after your relationships with them. Questions come one at a time, answered with buttons, and every tap is saved. At the end: scores by section, an action plan with owners and deadlines, and a PDF and CSV report.
bot-short-description = Customer churn and relationship audit: one question at a time, results, an action plan and a PDF report.

## Reminders (sent to the user's private chat; quiet hours respected)

reminder-unfinished =
    ⏳ <b>Your audit “{ $title }” is waiting</b>
    You have answered { $answered } of { $total }. About { $minutes } to go — shall we go on from where you stopped?
btn-reminder-continue = ▶️ Continue
btn-reminder-stop = 🔕 Don't remind me
reminder-deadline = 📅 <b>Due today in your plan:</b> { $zone }
reminder-deadline-again = ⏰ <b>Due { $days } { $days ->
        [one] day
       *[other] days
    } ago and still open:</b> { $zone }
reminder-deadline-question = How is it going?
btn-reminder-done = ✅ Done
btn-reminder-postpone = 📅 Move by a week
btn-reminder-stuck = 🧱 Stuck
reminder-reaudit =
    🔄 <b>Time to repeat the audit “{ $title }”</b>
    You took it on { $date } and scored { $score }%. Take it again and see what has changed: the bot compares the results with the last ones.
reminder-reaudit-no-score =
    🔄 <b>Time to repeat the audit “{ $title }”</b>
    You took it on { $date }. Take it again and see what has changed: the bot compares the results with the last ones.
btn-reminder-reaudit = 🔄 Take it again
reminder-done = ✅ Plan item “{ $zone }” is done. Well done! Plan: /plan
reminder-postponed = 📅 “{ $zone }” is moved to { $date }. I'll remind you that day.
reminder-stuck-ask = 🧱 What stands in the way of “{ $zone }”? Write it in one message — I'll keep it in the plan.
blocker-saved = 🧱 Added to the plan: “{ $blocker }”
blocker-actions = What usually helps:
plan-item-blocker = 🧱 Blocked by: { $blocker }
ack-reminder-done = Marked as done
ack-reminder-postponed = Deadline moved
ack-reminder-stuck = Write what blocks it
ack-reminder-off = No more reminders of this kind

## /settings

settings-title = 🔔 <b>Reminders</b>
settings-line-on = ✅ { $kind }
settings-line-off = 🔕 { $kind } — off
settings-kind-unfinished = About an unfinished audit
settings-kind-deadline = About plan deadlines
settings-kind-reaudit = About the repeat audit
settings-quiet = From { $start }:00 to { $end }:00 the bot stays silent: a reminder then comes in the morning.
settings-hint = Press a button to switch it on or off.
btn-setting-on = ✅ { $kind }
btn-setting-off = 🔕 { $kind }
ack-setting-on = Switched on
ack-setting-off = Switched off
cmd-settings = Reminders: switch on or off
report-file-blocker = Blocked by:
blocker-empty = The message has no text. Write in one message what stands in the way — nothing is saved.
blocker-too-long = The text is longer than { $max } characters (it has { $chars }). Shorten it and send it again — nothing is saved.

## The operator's side: only in the chats of ADMIN_CHAT_IDS

cmd-stats = Audit statistics
cmd-export = Export every answer and plan (CSV)
cmd-links = Links to the audits, with source tags
notice-finished-title = 🏁 <b>Audit finished</b>
notice-user = 👤 <a href="tg://user?id={ $id }">{ $name }</a>
notice-username = 👤 <a href="tg://user?id={ $id }">{ $name }</a> · @{ $username }
notice-checklist = 📋 { $checklist } · { $language }
notice-score = 📊 Overall score: { $score }%
notice-score-none = 📊 Overall score: no applicable answers
notice-zones-title = 🎯 Top 3 problem areas:
notice-zone = { $number }. { $icon } { $zone } — { $priority }
notice-zones-none = 🎯 No problem areas
notice-source = 🔗 Source: { $source }
notice-source-none = 🔗 Source: none
notice-duration = ⏱ Took: { $duration }
btn-notice-report = 📄 Report
ack-notice-report = Sending the report
notice-report-gone = This audit is gone
duration-minutes = { $minutes } min
duration-hours = { $hours } h { $minutes } min
duration-days = { $days } d { $hours } h
stats-title-recent = 📈 <b>Statistics, last 30 days</b>
stats-title-all = 📈 <b>Statistics, all time</b>
stats-empty = No audits yet.
stats-counts = Started: { $started } · finished: { $finished } · abandoned: { $abandoned } · in progress: { $progress }
stats-completion = Completion: { $rate } · median time: { $median }
stats-score = Average score: { $score }
stats-checklist = <b>{ $title }</b>
stats-sections = By section: { $sections }
stats-problems = Most frequent “No”:
stats-problem = { $number }. { $question } — { $audits } ({ $share }%)
stats-sources = <b>By source</b>
stats-source = { $source }: started { $started }, finished { $finished } ({ $rate }), average score { $score }
stats-source-none = no source
stats-no-value = —
links-title = 🔗 <b>Links to the audits</b>
links-item =
    <b>{ $title }</b>
    { $link }
    With a source tag, for example: { $tracked }
links-hint = A tag is 1 to 32 characters: Latin letters, digits and _. It shows in the finish notices and in /stats.
links-no-username = The bot has no username, so there are no links.
export-started = ⏳ Preparing the export…
export-caption-answers = 📑 Every answer of every audit
export-caption-plans = 📑 Every action plan item
export-caption-part = { $caption } (part { $part } of { $parts })
export-file-answers = answers
export-file-plans = plans
export-failed = ⚠️ The export could not be prepared. Try /export again in a minute.
export-col-audit = Audit
export-col-user-id = User ID
export-col-name = Name
export-col-username = Username
export-col-checklist = Checklist
export-col-version = Version
export-col-language = Language
export-col-source = Source
export-col-started = Started
export-col-finished = Finished
export-col-status = Status
export-status-in-progress = in progress
export-status-finished = finished
export-status-abandoned = abandoned
report-file-next-step = Next step
