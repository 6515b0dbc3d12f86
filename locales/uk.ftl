# Ukrainian strings of the bot. Texts are HTML for Telegram: arguments arrive
# already escaped; keep tags balanced on every line.

## Counts

questions-count = { $count } { $count ->
    [one] питання
    [few] питання
   *[many] питань
}
sections-count = { $count } { $count ->
    [one] розділі
   *[other] розділах
}
minutes-count = { $count } { $count ->
    [one] хвилина
    [few] хвилини
   *[many] хвилин
}

## /start

start-greeting =
    👋 Вітаю, { $name }!

    <b>{ $title }</b>
    <i>{ $subtitle }</i>

    { $intro }

    ⏱ Приблизно { $minutes }: { $questions } у { $sections }. Питання надходять по одному, відповідати — кнопками. Відповіді зберігаються після кожного натискання: можна зробити перерву й продовжити пізніше, навіть з іншого пристрою.
start-legend-title = <b>Як відповідати</b>
start-priority-title = <b>Пріоритет</b> — його треба оцінити після «Ні» (і можна після «Не стосується»):
start-choose = 👋 Вітаю, { $name }! Оберіть аудит:
start-choose-item = { $number }. <b>{ $title }</b> — { $questions }, приблизно { $minutes }
start-choose-hint = Відповіді зберігаються після кожного натискання: можна зробити перерву й продовжити пізніше, навіть з іншого пристрою. Мова бота: /language
start-in-progress =
    У вас є незавершений аудит «{ $title }»: є відповіді на { $answered } з { $total }.

    Продовжити з того самого місця чи почати спочатку?
start-no-checklists = Немає жодного аудит-листа. Зверніться до адміністратора бота.

## Buttons

btn-start = ▶️ Почати аудит
btn-start-named = ▶️ { $number }. { $title }
btn-start-other = ▶️ Почати «{ $title }»
btn-continue = ▶️ Продовжити ({ $answered } з { $total })
btn-restart = 🔄 Почати спочатку
btn-restart-confirm = Так, почати спочатку
btn-restart-cancel = Ні, продовжити
btn-yes = ✅ Так
btn-no = ❌ Ні
btn-na = ➖ Не стосується
btn-back = ⬅️ Назад
btn-low = 🟢 Низький
btn-medium = 🟡 Середній
btn-high = 🔴 Високий
btn-skip = Пропустити
btn-jump = ⏭ До першого без відповіді
btn-finish = 🏁 Завершити й отримати підсумки

## Answers and priorities, as words

answer-yes = Так
answer-no = Ні
answer-na = Не стосується
priority-low = Низький
priority-medium = Середній
priority-high = Високий
icon-yes = ✅
icon-no = ❌
icon-na = ➖
icon-low = 🟢
icon-medium = 🟡
icon-high = 🔴

## The audit card

card-section = 📋 <b>{ $title }</b>
card-position = Розділ { $section }/{ $sections } · Питання { $index }/{ $total }
card-bar = { $bar } { $percent }%
card-current-answer = Ваша відповідь: { $answer }
card-current-answer-priority = Ваша відповідь: { $answer } · { $priority }
card-ask-priority-no = ❌ <b>Ні.</b> Наскільки це важливо для утримання клієнтів?
card-ask-priority-na = ➖ <b>Не стосується.</b> Якщо тут усе ж є що покращити — оцініть пріоритет, якщо ні — натисніть «Пропустити».
card-priority-line = { $icon } <b>{ $name }</b> — { $description }
card-finished = ✅ <b>Аудит завершено.</b> Відповіді є на { $answered } з { $total }. Підсумки — нижче.
card-abandoned = Цей аудит перервано й збережено. Новий аудит — у картці нижче.

## Notices on button presses (at most 200 characters)

ack-answer = Записано: { $answer }
ack-answer-priority = Записано: { $answer } · { $priority }
ack-skip = Записано: Не стосується · без пріоритету
ack-back = Попереднє питання
ack-undo = Відповідь скасовано — оберіть знову
ack-jump = Перше питання без відповіді
ack-finished = Аудит завершено! Надсилаю підсумки…
ack-started = Аудит розпочато. Перше питання нижче.
ack-continue = Продовжуємо
ack-restart-cancelled = Продовжуємо поточний аудит
notice-stale = Цю кнопку вже натиснуто або вона застаріла — нічого не змінено. Поточне питання: /continue
notice-not-yours = Це не ваш аудит. Свій можна почати командою /start
notice-unknown-button = Не розумію цю кнопку — нічого не змінено. Поточне питання: /continue
notice-closed = Цей аудит уже завершено. Підсумки: /summary, новий аудит: /start
notice-no-audit = Зараз немає розпочатого аудиту. Почати: /start
notice-priority-required = Після «Ні» треба обрати пріоритет
notice-at-first = Це перше питання
notice-nothing-unanswered = На всі питання вже є відповіді
notice-incomplete = Ще не на всі питання є відповідь
notice-not-awaiting-priority = Спершу дайте відповідь на питання
notice-error = Не вдалося зберегти — спробуйте ще раз за хвилину
notice-failed = Щось пішло не так. Поточне питання: /continue

## Messages

restart-confirm =
    Почати аудит «{ $title }» спочатку?

    Поточний аудит (є відповіді на { $answered } з { $total }) збережеться як перерваний, продовжити його вже не вийде.
restart-confirm-other =
    Почати аудит «{ $other }»?

    Поточний аудит «{ $title }» (є відповіді на { $answered } з { $total }) збережеться як перерваний, продовжити його вже не вийде.
no-audit = Зараз немає розпочатого аудиту. Надішліть /start, щоб почати.
checklist-gone = Аудит-лист цього аудиту більше недоступний. Надішліть /start, щоб почати новий.
error-internal = ⚠️ Щось пішло не так, нічого не змінено. Спробуйте ще раз за хвилину.
not-in-audit-text = Я розумію кнопки й команди. Почати аудит: /start, довідка: /help

## /progress

progress-title = 📈 <b>Прогрес: { $answered } з { $total }</b>
progress-section = { $icon } { $number }. { $title } — { $answered }/{ $total }

## /help

help =
    <b>Як проходить аудит</b>
    Бот ставить питання по одному. На кожне дайте відповідь кнопкою:
    ✅ <b>Так</b> — { $yes }
    ❌ <b>Ні</b> — { $no }
    ➖ <b>Не стосується</b> — { $na }

    Після «Ні» оберіть пріоритет, після «Не стосується» — пріоритет або «Пропустити»:
    🟢 <b>Низький</b> — { $low }
    🟡 <b>Середній</b> — { $medium }
    🔴 <b>Високий</b> — { $high }

    «⬅️ Назад» повертає до попереднього питання, відповідь можна змінити. Кожне натискання одразу зберігається: можна закрити Telegram і продовжити пізніше, з будь-якого пристрою.

    <b>Команди</b>
    /start — почати аудит або продовжити розпочатий
    /continue — показати поточне питання
    /progress — прогрес за розділами
    /summary — підсумки (проміжні, якщо аудит не завершено)
    /restart — почати аудит спочатку
    /plan — план дій: відповідальні, терміни, позначки про виконання
    /report — звіт файлами: PDF і таблиця CSV
    /history — ваші аудити та їхні бали
    /language — мова бота: українська, русский, English
    /settings — нагадування: увімкнути або вимкнути
    /delete_my_data — видалити всі ваші дані
    /help — ця довідка

## /delete_my_data

delete-confirm =
    🗑 <b>Видалити всі ваші дані?</b>

    Буде видалено всі ваші аудити й відповіді, зокрема незавершений аудит. Скасувати видалення неможливо.
btn-delete-confirm = 🗑 Так, видалити все
btn-delete-cancel = Ні, залишити
delete-done = 🗑 Готово: видалено аудитів — { $audits }, відповідей — { $answers }. Бот більше нічого про вас не зберігає. Почати знову: /start
delete-cancelled = Нічого не видалено.
ack-deleted = Дані видалено
ack-delete-cancelled = Нічого не видалено

## Command menu (at most 256 characters each)

cmd-start = Почати або продовжити аудит
cmd-continue = Показати поточне питання
cmd-progress = Прогрес за розділами
cmd-summary = Підсумки й план дій
cmd-history = Мої аудити та їхні бали
cmd-restart = Почати аудит спочатку
cmd-help = Як відповідати і що вміє бот
cmd-delete-my-data = Видалити всі мої дані
cmd-language = Мова бота: українська, русский, English
cmd-plan = План дій: відповідальні й терміни
cmd-report = Звіт файлами: PDF і CSV

## Summary

summary-title-final = 📊 <b>Підсумки аудиту «{ $title }»</b>
summary-title-interim = 📊 <b>Проміжні підсумки аудиту «{ $title }»</b>
summary-interim-note = <i>Відповіді є на { $answered } з { $total }. Підсумки враховують лише питання з відповіддю.</i>
summary-overall = <b>Загальний бал: { $percent }%</b> — «Так» у { $yes } з { $applicable } застосовних відповідей
summary-overall-none = <b>Загальний бал:</b> поки немає застосовних відповідей
summary-sections-title = <b>Бали за розділами</b>
summary-section = { $bar } { $percent }% · { $title }
summary-section-none = { $bar } — · { $title }
summary-top-title = 🎯 <b>Топ-3 проблемні зони</b>
summary-plan-title = 🗂 <b>План дій</b>
summary-plan-item = { $number }. { $icon } <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-plan-item-done = { $number }. ✅ <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-zone = { $number }. <b>{ $title }</b> — { $icon } { $priority }
summary-problems-title = 🛠 <b>Проблеми за пріоритетом</b>
summary-priority-group = { $icon } <b>{ $priority }</b>
summary-problem = • <b>{ $question }</b>
summary-problem-na = • <b>{ $question }</b> <i>(не стосується, але є що покращити)</i>
summary-problem-action = → { $action }
summary-no-problems = Проблем не виявлено — чудовий результат!
summary-strengths-title = 💪 <b>Сильні сторони</b>
summary-strength = • { $title }
summary-footer = План дій: /plan · Звіт PDF і CSV: /report · Новий аудит: /start · Довідка: /help
summary-changes-title = 📈 <b>Зміни з аудиту { $date }</b>
summary-change-overall = Загальний бал: { $then } → { $now }
summary-change-section = { $title }: { $then } → { $now }
summary-fixed-title = ✅ <b>Виправлено</b> («Ні» → «Так»):
summary-fixed = • { $question }
summary-new-title = ⚠️ <b>Нові проблеми:</b>
summary-new = • { $question } — { $icon } { $priority }

## The chart

chart-title = Бали за розділами
chart-overall = Загальний бал
chart-no-data = немає даних
chart-caption = 📊 Бали за розділами: частка «Так» серед застосовних відповідей

## /history

history-title = 🗂 <b>Ваші аудити</b>
history-item = { $date } · { $title } · { $score } · { $status }
history-status-finished = завершено
history-status-abandoned = перервано
history-status-in-progress = триває, { $answered } з { $total }
history-empty = У вас ще немає аудитів. Почати: /start

## Report file: the PDF and CSV sent as documents. Plain text, no HTML.

report-file-name = Звіт про аудит
report-file-title = Звіт про аудит
report-file-date = Дата аудиту
report-file-user = Користувач
report-file-answered = Питань з відповіддю
report-file-interim = Аудит не завершено: бали й проблеми враховують лише питання з відповіддю.
report-file-overall = Загальний бал
report-file-score-hint = Бал — частка відповідей «Так» серед застосовних відповідей («Так» і «Ні»).
report-file-scores-heading = Бали за розділами
report-file-answers-heading = Відповіді за розділами
report-file-problems-heading = Проблеми за пріоритетом і рекомендовані дії
report-file-plan-heading = План дій
report-file-col-number = №
report-file-col-section = Розділ
report-file-col-score = Бал
report-file-col-answered = З відповіддю
report-file-col-question-id = ID питання
report-file-col-question = Питання
report-file-col-answer = Відповідь
report-file-col-priority = Пріоритет
report-file-col-note = Нотатка
report-file-col-action = Рекомендована дія
report-file-col-zone = Проблемна зона
report-file-col-solution = Запропоноване рішення
report-file-col-owner = Відповідальний
report-file-col-deadline = Термін
report-file-col-done = Виконано
report-file-col-kind = Тип рядка
report-file-kind-answer = Відповідь
report-file-kind-plan = План
report-file-no-answer = немає відповіді
report-file-no-priority = без пріоритету
report-file-no-data = немає даних
report-file-problem-na = Не стосується, але є що покращити
report-file-no-problems = Проблем не виявлено — чудовий результат!
report-file-no-plan = План дій ще не складено.
report-file-no-owner = не призначено
report-file-no-deadline = не встановлено
report-file-done-yes = Так
report-file-done-no = Ні
report-file-page = Сторінка

## Notes on answers

btn-note = 📝 Нотатка до питання { $number }
btn-note-edit = 📝 Змінити нотатку до питання { $number }
card-note = 📝 Нотатка: <i>{ $note }</i>
note-prompt =
    📝 <b>Нотатка до питання { $number }</b>
    <i>{ $question }</i>

    Напишіть нотатку одним повідомленням — до { $max } символів. Вона потрапить у підсумки та у звіт.
note-prompt-current = Зараз: <i>{ $note }</i>
btn-note-delete = 🗑 Видалити нотатку
btn-note-cancel = ✖️ Скасувати
ack-note-prompt = Напишіть нотатку повідомленням
note-saved = ✅ Нотатку до питання { $number } збережено.
note-deleted = 🗑 Нотатку до питання { $number } видалено.
note-cancelled = Нотатку не змінено.
ack-note-cancelled = Нотатку не змінено
ack-note-deleted = Нотатку видалено
note-empty = У повідомленні немає тексту. Напишіть нотатку або натисніть «✖️ Скасувати» — нічого не збережено.
note-too-long = Нотатка довша за { $max } символів (у ній { $chars }). Скоротіть і надішліть ще раз — нічого не збережено.
note-answer-gone = Відповіді на питання { $number } більше немає — нотатку не збережено.
notice-plan-underway = Спершу завершіть план дій (або «⏹ Завершити план») — потім можна додати нотатку
notice-nothing-to-note = Нотатка прикріплюється до відповіді — спершу дайте відповідь на питання
summary-note = 📝 <i>{ $note }</i>

## The action plan

plan-intro = 🗂 <b>Тепер план дій.</b> Для кожної проблемної зони — хто відповідає і до якого терміну. Це приблизно хвилина; усе можна змінити пізніше командою /plan.
plan-item-head = 🗂 <b>План дій · пункт { $number } з { $total }</b>
plan-item-zone = <b>{ $zone }</b>
plan-item-priority = Пріоритет: { $icon } { $priority }
plan-item-solution = 💡 Рішення: { $solution }
plan-item-solution-head = 💡 Рішення:
plan-item-solution-line = • { $action }
plan-item-owner = 👤 Відповідальний: { $owner }
plan-item-deadline = 📅 Термін: { $deadline }
plan-item-done = ✅ <b>Виконано</b>
plan-item-overdue = ⏰ <b>Прострочено на { $days } { $days ->
    [one] день
    [few] дні
   *[many] днів
}</b>
plan-no-owner = не призначено
plan-no-deadline = не встановлено
plan-ask-owner = 👤 <b>Хто відповідає?</b> Напишіть ім’я або посаду (до { $max } символів) чи натисніть кнопку.
plan-ask-deadline = 📅 <b>Термін?</b> Оберіть кнопку (⭐ — рекомендований для цього пріоритету) або напишіть дату у форматі ДД.ММ.РРРР.
plan-ask-solution = ✏️ <b>Своє рішення.</b> Напишіть його одним повідомленням (до { $max } символів) — воно замінить запропоноване.
btn-owner-me = 👤 Я
btn-skip-owner = Пропустити
btn-edit-solution = ✏️ Своє рішення
btn-keep-solution = ↩️ Залишити запропоноване
btn-plan-stop = ⏹ Завершити план
btn-term-week = 1 тиждень · { $date }
btn-term-two-weeks = 2 тижні · { $date }
btn-term-month = 1 місяць · { $date }
btn-term-three-months = 3 місяці · { $date }
btn-term-default = ⭐ { $label }
btn-skip-deadline = Без терміну
plan-offer-high = Проблемні зони готові. Додати до плану кожну проблему з пріоритетом 🔴 «Високий» окремим пунктом — зі своїм відповідальним і терміном? Таких проблем: { $count }.
btn-plan-more = ➕ Так, додати ({ $count })
btn-plan-enough = ✅ Ні, план готовий
plan-press-button = Оберіть кнопку під питанням вище: додати проблеми «Високий» або завершити план.
owner-empty = У повідомленні немає імені. Напишіть, хто відповідає (до { $max } символів), або натисніть кнопку — нічого не змінено.
owner-too-long = Задовго: { $chars } символів, а можна до { $max }. Напишіть коротше — нічого не змінено.
solution-empty = У повідомленні немає тексту. Напишіть рішення або натисніть «↩️ Залишити запропоноване» — нічого не змінено.
solution-too-long = Рішення довше за { $max } символів (у ньому { $chars }). Скоротіть — нічого не змінено.
date-not-a-date = Не зрозумів дату. Напишіть її у форматі ДД.ММ.РРРР, наприклад { $example }, або оберіть кнопку — нічого не змінено.
date-impossible = Такої дати немає в календарі: { $text }. Перевірте день і місяць — нічого не змінено.
date-past = Дата { $text } уже минула. Термін — сьогодні ({ $today }) або пізніше; нічого не змінено.
date-too-far = Дата { $text } далі ніж за { $years } років. Оберіть ближчий термін — нічого не змінено.
ack-owner = Відповідальний: { $owner }
ack-owner-skipped = Відповідального не призначено
ack-deadline = Термін: { $date }
ack-deadline-skipped = Без терміну
ack-solution-edit = Напишіть своє рішення повідомленням
ack-solution-kept = Рішення не змінено
ack-plan-more = Додано до плану
ack-plan-done = План готовий
ack-plan-stopped = План збережено
ack-plan-item-done = Позначено як виконане
ack-plan-item-undone = Знову в роботі
ack-plan-edit = Змінюємо пункт { $number }
plan-stopped = План збережено. Повернутися до нього: /plan
plan-title = 🗂 <b>План дій — «{ $title }»</b>
plan-title-date = Аудит від { $date } · загальний бал { $score }
plan-empty = Проблем не виявлено — план дій не потрібен. 🎉
plan-footer = Змінити пункт або позначити виконаним: /plan · Звіт файлами: /report
plan-need-finished = План дій складається за завершеним аудитом. Продовжити поточний: /continue
plan-no-audit = Поки немає завершених аудитів — план з’явиться після аудиту. Почати: /start
btn-plan-edit = ✏️ Пункт { $number }
btn-plan-done = ☑️ { $number } виконано
btn-plan-undone = ↩️ { $number } не виконано
pending-not-a-command = Такої команди немає. Я чекаю на відповідь на питання вище — напишіть її повідомленням або натисніть кнопку. Усі команди: /help
notice-dates-outdated = Ці терміни вже минули — оновив кнопки, оберіть ще раз
notice-plan-stale = Це питання плану вже неактуальне — нічого не змінено. План: /plan

## Report files

report-none = Поки немає завершеного аудиту — звіт з’явиться, коли ви дасте відповіді на всі питання. Почати: /start
report-caption-pdf = 📄 Звіт про аудит: бали, відповіді, проблеми й план дій
report-caption-csv = 📑 Усі відповіді та план таблицею (CSV, відкривається в Excel)
report-failed = ⚠️ Не вдалося підготувати звіт. Спробуйте /report ще раз за хвилину.

## /language (each language's name is written in that language)

language-name = Українська
language-prompt =
    🌐 <b>Мова бота</b>
    Зараз: { $current }. Оберіть мову — нею будуть питання аудиту, підсумки, план і звіти. Відповіді не зміняться.
btn-language-current = ✓ { $name }
notice-not-your-language = Ці кнопки — для того, хто надіслав /language. Свою мову: /language
ack-language = Мова бота: українська
language-set = ✅ Мова бота: { $name }. Поточна картка й питання — уже нею.

## The bot's profile: its description (at most 512 characters) and short
## description (at most 120), set at start

bot-description = Бот проводить аудит вашого бізнесу: чому йдуть клієнти і як вибудувано відносини з ними. Питання надходять по одному, відповіді — кнопками, усе зберігається після кожного натискання. Наприкінці — підсумки за розділами, план дій із відповідальними й термінами та звіт у PDF і CSV.
bot-short-description = Аудит відтоку клієнтів і відносин з ними: питання по одному, підсумки, план дій і звіт PDF.

## Reminders (sent to the user's private chat; quiet hours respected)

reminder-unfinished =
    ⏳ <b>Аудит «{ $title }» чекає на вас</b>
    Ви відповіли на { $answered } з { $total }. Лишилося близько { $minutes } — продовжимо з того місця, де ви зупинилися?
btn-reminder-continue = ▶️ Продовжити
btn-reminder-stop = 🔕 Більше не нагадувати
reminder-deadline = 📅 <b>Сьогодні термін за планом:</b> { $zone }
reminder-deadline-again = ⏰ <b>Термін минув { $days } { $days ->
        [one] день
        [few] дні
       *[other] днів
    } тому, пункт ще відкритий:</b> { $zone }
reminder-deadline-question = Як просувається?
btn-reminder-done = ✅ Зроблено
btn-reminder-postpone = 📅 Перенести на тиждень
btn-reminder-stuck = 🧱 Застрягло
reminder-reaudit =
    🔄 <b>Час повторити аудит «{ $title }»</b>
    Ви проходили його { $date }, загальний бал — { $score }%. Пройдіть його знову й побачите, що змінилося: бот порівняє результати з минулими.
reminder-reaudit-no-score =
    🔄 <b>Час повторити аудит «{ $title }»</b>
    Ви проходили його { $date }. Пройдіть його знову й побачите, що змінилося: бот порівняє результати з минулими.
btn-reminder-reaudit = 🔄 Пройти знову
reminder-done = ✅ Пункт плану «{ $zone }» виконано. Чудово! План: /plan
reminder-postponed = 📅 Пункт «{ $zone }» перенесено на { $date }. Нагадаю цього дня.
reminder-stuck-ask = 🧱 Що заважає виконати «{ $zone }»? Напишіть одним повідомленням — я збережу це в плані.
blocker-saved = 🧱 Записав у план: «{ $blocker }»
blocker-actions = Що зазвичай допомагає:
plan-item-blocker = 🧱 Заважає: { $blocker }
ack-reminder-done = Позначено як виконане
ack-reminder-postponed = Термін перенесено
ack-reminder-stuck = Напишіть, що заважає
ack-reminder-off = Більше не нагадуватиму

## /settings

settings-title = 🔔 <b>Нагадування</b>
settings-line-on = ✅ { $kind }
settings-line-off = 🔕 { $kind } — вимкнено
settings-kind-unfinished = Про незавершений аудит
settings-kind-deadline = Про терміни плану дій
settings-kind-reaudit = Про повторний аудит
settings-quiet = З { $start }:00 до { $end }:00 бот не пише: нагадування прийде вранці.
settings-hint = Натисніть кнопку, щоб увімкнути або вимкнути.
btn-setting-on = ✅ { $kind }
btn-setting-off = 🔕 { $kind }
ack-setting-on = Увімкнено
ack-setting-off = Вимкнено
cmd-settings = Нагадування: увімкнути або вимкнути
report-file-blocker = Заважає:
blocker-empty = У повідомленні немає тексту. Напишіть одним повідомленням, що заважає, — нічого не збережено.
blocker-too-long = Текст довший за { $max } символів (у ньому { $chars }). Скоротіть і надішліть ще раз — нічого не збережено.

## The operator's side: only in the chats of ADMIN_CHAT_IDS

cmd-stats = Статистика аудитів
cmd-export = Вивантаження всіх відповідей і планів (CSV)
cmd-links = Посилання на аудити з мітками джерела
notice-finished-title = 🏁 <b>Аудит завершено</b>
notice-user = 👤 <a href="tg://user?id={ $id }">{ $name }</a>
notice-username = 👤 <a href="tg://user?id={ $id }">{ $name }</a> · @{ $username }
notice-checklist = 📋 { $checklist } · { $language }
notice-score = 📊 Загальний бал: { $score }%
notice-score-none = 📊 Загальний бал: немає застосовних відповідей
notice-zones-title = 🎯 Топ-3 проблемні зони:
notice-zone = { $number }. { $icon } { $zone } — { $priority }
notice-zones-none = 🎯 Проблемних зон немає
notice-source = 🔗 Джерело: { $source }
notice-source-none = 🔗 Джерело: без мітки
notice-duration = ⏱ Тривалість: { $duration }
btn-notice-report = 📄 Звіт
ack-notice-report = Надсилаю звіт
notice-report-gone = Цього аудиту більше немає
duration-minutes = { $minutes } хв
duration-hours = { $hours } год { $minutes } хв
duration-days = { $days } дн { $hours } год
stats-title-recent = 📈 <b>Статистика за останні 30 днів</b>
stats-title-all = 📈 <b>Статистика за весь час</b>
stats-empty = Аудитів поки немає.
stats-counts = Розпочато: { $started } · завершено: { $finished } · покинуто: { $abandoned } · триває: { $progress }
stats-completion = Завершують: { $rate } · медіана часу: { $median }
stats-score = Середній бал: { $score }
stats-checklist = <b>{ $title }</b>
stats-sections = За розділами: { $sections }
stats-problems = Найчастіше «Ні»:
stats-problem = { $number }. { $question } — { $audits } ({ $share }%)
stats-sources = <b>За джерелами</b>
stats-source = { $source }: розпочато { $started }, завершено { $finished } ({ $rate }), середній бал { $score }
stats-source-none = без мітки
stats-no-value = —
links-title = 🔗 <b>Посилання на аудити</b>
links-item =
    <b>{ $title }</b>
    { $link }
    З міткою джерела, наприклад: { $tracked }
links-hint = Мітка — від 1 до 32 символів: латинські літери, цифри та _. Її видно в сповіщеннях про завершення і в /stats.
links-no-username = У бота немає імені користувача (username), тому посилань немає.
export-started = ⏳ Готую вивантаження…
export-caption-answers = 📑 Усі відповіді всіх аудитів
export-caption-plans = 📑 Усі пункти планів дій
export-caption-part = { $caption } (частина { $part } з { $parts })
export-file-answers = відповіді
export-file-plans = плани
export-failed = ⚠️ Не вдалося підготувати вивантаження. Спробуйте /export ще раз за хвилину.
export-col-audit = Аудит
export-col-user-id = ID користувача
export-col-name = Ім'я
export-col-username = Username
export-col-checklist = Чек-лист
export-col-version = Версія
export-col-language = Мова
export-col-source = Джерело
export-col-started = Розпочато
export-col-finished = Завершено
export-col-status = Статус
export-status-in-progress = триває
export-status-finished = завершено
export-status-abandoned = покинуто
report-file-next-step = Наступний крок
