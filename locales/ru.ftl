# Russian strings of the bot. Texts are HTML for Telegram: arguments arrive
# already escaped; keep tags balanced on every line.

## Counts

questions-count = { $count } { $count ->
    [one] вопрос
    [few] вопроса
   *[many] вопросов
}
sections-count = { $count } { $count ->
    [one] разделе
   *[other] разделах
}
# In the genitive: it always follows «около» (около 1 минуты, около 15 минут).
minutes-count = { $count } { $count ->
    [one] минуты
   *[other] минут
}

## /start

start-greeting =
    👋 Здравствуйте, { $name }!

    <b>{ $title }</b>
    <i>{ $subtitle }</i>

    { $intro }

    ⏱ Около { $minutes }: { $questions } в { $sections }. Вопросы приходят по одному, отвечать — кнопками. Ответы сохраняются после каждого нажатия: можно прерваться и продолжить позже, даже с другого устройства.
start-legend-title = <b>Как отвечать</b>
start-priority-title = <b>Приоритет</b> — его нужно оценить после «Нет» (и можно после «Не применимо»):
start-choose = 👋 Здравствуйте, { $name }! Выберите аудит:
start-choose-item = { $number }. <b>{ $title }</b> — { $questions }, около { $minutes }
start-choose-hint = Ответы сохраняются после каждого нажатия: можно прерваться и продолжить позже, даже с другого устройства. Язык бота: /language
start-in-progress =
    У вас есть незавершённый аудит «{ $title }»: отвечено { $answered } из { $total }.

    Продолжить с того же места или начать заново?
start-no-checklists = Нет ни одного аудит-листа. Обратитесь к администратору бота.

## Buttons

btn-start = ▶️ Начать аудит
btn-start-named = ▶️ { $number }. { $title }
btn-start-other = ▶️ Начать «{ $title }»
btn-continue = ▶️ Продолжить ({ $answered } из { $total })
btn-restart = 🔄 Начать заново
btn-restart-confirm = Да, начать заново
btn-restart-cancel = Нет, продолжить
btn-yes = ✅ Да
btn-no = ❌ Нет
btn-na = ➖ Не применимо
btn-back = ⬅️ Назад
btn-low = 🟢 Низкий
btn-medium = 🟡 Средний
btn-high = 🔴 Высокий
btn-skip = Пропустить
btn-jump = ⏭ К первому без ответа
btn-finish = 🏁 Завершить и получить итоги

## Answers and priorities, as words

answer-yes = Да
answer-no = Нет
answer-na = Не применимо
priority-low = Низкий
priority-medium = Средний
priority-high = Высокий
icon-yes = ✅
icon-no = ❌
icon-na = ➖
icon-low = 🟢
icon-medium = 🟡
icon-high = 🔴

## The audit card

card-section = 📋 <b>{ $title }</b>
card-position = Раздел { $section }/{ $sections } · Вопрос { $index }/{ $total }
card-bar = { $bar } { $percent }%
card-current-answer = Ваш ответ: { $answer }
card-current-answer-priority = Ваш ответ: { $answer } · { $priority }
card-ask-priority-no = ❌ <b>Нет.</b> Насколько это важно для удержания клиентов?
card-ask-priority-na = ➖ <b>Не применимо.</b> Если здесь всё же есть что улучшить — оцените приоритет, если нет — нажмите «Пропустить».
card-priority-line = { $icon } <b>{ $name }</b> — { $description }
card-finished = ✅ <b>Аудит завершён.</b> Отвечено { $answered } из { $total }. Итоги — ниже.
card-abandoned = Этот аудит прерван и сохранён. Новый аудит — в карточке ниже.

## Notices on button presses (at most 200 characters)

ack-answer = Записано: { $answer }
ack-answer-priority = Записано: { $answer } · { $priority }
ack-skip = Записано: Не применимо · без приоритета
ack-back = Предыдущий вопрос
ack-undo = Ответ отменён — выберите заново
ack-jump = Первый вопрос без ответа
ack-finished = Аудит завершён! Отправляю итоги…
ack-started = Аудит начат. Первый вопрос ниже.
ack-continue = Продолжаем
ack-restart-cancelled = Продолжаем текущий аудит
notice-stale = Эта кнопка уже нажата или устарела — ничего не изменено. Актуальный вопрос: /continue
notice-not-yours = Это не ваш аудит. Свой можно начать командой /start
notice-unknown-button = Не понимаю эту кнопку — ничего не изменено. Актуальный вопрос: /continue
notice-closed = Этот аудит уже завершён. Итоги: /summary, новый аудит: /start
notice-no-audit = Сейчас нет начатого аудита. Начать: /start
notice-priority-required = После «Нет» нужно выбрать приоритет
notice-at-first = Это первый вопрос
notice-nothing-unanswered = Все вопросы уже отвечены
notice-incomplete = Ещё не на все вопросы есть ответ
notice-not-awaiting-priority = Сначала ответьте на вопрос
notice-error = Не получилось сохранить — попробуйте ещё раз через минуту
notice-failed = Что-то пошло не так. Актуальный вопрос: /continue

## Messages

restart-confirm =
    Начать аудит «{ $title }» заново?

    Текущий аудит (отвечено { $answered } из { $total }) сохранится как прерванный, продолжить его будет нельзя.
restart-confirm-other =
    Начать аудит «{ $other }»?

    Текущий аудит «{ $title }» (отвечено { $answered } из { $total }) сохранится как прерванный, продолжить его будет нельзя.
no-audit = Сейчас нет начатого аудита. Отправьте /start, чтобы начать.
checklist-gone = Аудит-лист этого аудита больше недоступен. Отправьте /start, чтобы начать новый.
error-internal = ⚠️ Что-то пошло не так, ничего не изменено. Попробуйте ещё раз через минуту.
not-in-audit-text = Я понимаю кнопки и команды. Начать аудит: /start, справка: /help

## /progress

progress-title = 📈 <b>Прогресс: { $answered } из { $total }</b>
progress-section = { $icon } { $number }. { $title } — { $answered }/{ $total }

## /help

help =
    <b>Как проходит аудит</b>
    Бот задаёт вопросы по одному. На каждый ответьте кнопкой:
    ✅ <b>Да</b> — { $yes }
    ❌ <b>Нет</b> — { $no }
    ➖ <b>Не применимо</b> — { $na }

    После «Нет» выберите приоритет, после «Не применимо» — приоритет или «Пропустить»:
    🟢 <b>Низкий</b> — { $low }
    🟡 <b>Средний</b> — { $medium }
    🔴 <b>Высокий</b> — { $high }

    «⬅️ Назад» возвращает к предыдущему вопросу, ответ можно изменить. Каждое нажатие сразу сохраняется: можно закрыть Telegram и продолжить позже, с любого устройства.

    <b>Команды</b>
    /start — начать аудит или продолжить начатый
    /continue — показать текущий вопрос
    /progress — прогресс по разделам
    /summary — итоги (промежуточные, если аудит не закончен)
    /restart — начать аудит заново
    /plan — план действий: ответственные, сроки, отметки о выполнении
    /report — отчёт файлами: PDF и таблица CSV
    /history — ваши аудиты и их баллы
    /language — язык бота: українська, русский, English
    /settings — напоминания: включить или выключить
    /delete_my_data — удалить все ваши данные
    /help — эта справка

## /delete_my_data

delete-confirm =
    🗑 <b>Удалить все ваши данные?</b>

    Будут удалены все ваши аудиты и ответы, включая незавершённый аудит. Отменить удаление нельзя.
btn-delete-confirm = 🗑 Да, удалить всё
btn-delete-cancel = Нет, оставить
delete-done = 🗑 Готово: удалено аудитов — { $audits }, ответов — { $answers }. Бот больше ничего о вас не хранит. Начать заново: /start
delete-cancelled = Ничего не удалено.
ack-deleted = Данные удалены
ack-delete-cancelled = Ничего не удалено

## Command menu (at most 256 characters each)

cmd-start = Начать или продолжить аудит
cmd-continue = Показать текущий вопрос
cmd-progress = Прогресс по разделам
cmd-summary = Итоги и план действий
cmd-history = Мои аудиты и их баллы
cmd-restart = Начать аудит заново
cmd-help = Как отвечать и что умеет бот
cmd-delete-my-data = Удалить все мои данные
cmd-language = Язык бота: українська, русский, English
cmd-plan = План действий: ответственные и сроки
cmd-report = Отчёт файлами: PDF и CSV

## Summary

summary-title-final = 📊 <b>Итоги аудита «{ $title }»</b>
summary-title-interim = 📊 <b>Промежуточные итоги аудита «{ $title }»</b>
summary-interim-note = <i>Отвечено { $answered } из { $total }. Итоги учитывают только отвеченные вопросы.</i>
summary-overall = <b>Общий балл: { $percent }%</b> — «Да» в { $yes } из { $applicable } применимых ответов
summary-overall-none = <b>Общий балл:</b> пока нет применимых ответов
summary-sections-title = <b>Баллы по разделам</b>
summary-section = { $bar } { $percent }% · { $title }
summary-section-none = { $bar } — · { $title }
summary-top-title = 🎯 <b>Топ-3 проблемные зоны</b>
summary-plan-title = 🗂 <b>План действий</b>
summary-plan-item = { $number }. { $icon } <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-plan-item-done = { $number }. ✅ <b>{ $zone }</b> · 👤 { $owner } · 📅 { $deadline }
summary-zone = { $number }. <b>{ $title }</b> — { $icon } { $priority }
summary-problems-title = 🛠 <b>Проблемы по приоритету</b>
summary-priority-group = { $icon } <b>{ $priority }</b>
summary-problem = • <b>{ $question }</b>
summary-problem-na = • <b>{ $question }</b> <i>(не применимо, но есть что улучшить)</i>
summary-problem-action = → { $action }
summary-no-problems = Проблем не найдено — отличный результат!
summary-strengths-title = 💪 <b>Сильные стороны</b>
summary-strength = • { $title }
summary-footer = План действий: /plan · Отчёт PDF и CSV: /report · Новый аудит: /start · Справка: /help
summary-changes-title = 📈 <b>Изменения с аудита { $date }</b>
summary-change-overall = Общий балл: { $then } → { $now }
summary-change-section = { $title }: { $then } → { $now }
summary-fixed-title = ✅ <b>Исправлено</b> («Нет» → «Да»):
summary-fixed = • { $question }
summary-new-title = ⚠️ <b>Новые проблемы:</b>
summary-new = • { $question } — { $icon } { $priority }

## The chart

chart-title = Баллы по разделам
chart-overall = Общий балл
chart-no-data = нет данных
chart-caption = 📊 Баллы по разделам: доля «Да» среди применимых ответов

## /history

history-title = 🗂 <b>Ваши аудиты</b>
history-item = { $date } · { $title } · { $score } · { $status }
history-status-finished = завершён
history-status-abandoned = прерван
history-status-in-progress = в процессе, { $answered } из { $total }
history-empty = У вас ещё нет аудитов. Начать: /start

## Report file: the PDF and CSV sent as documents. Plain text, no HTML.

report-file-name = Отчёт об аудите
report-file-title = Отчёт об аудите
report-file-date = Дата аудита
report-file-user = Пользователь
report-file-answered = Отвечено вопросов
report-file-interim = Аудит не завершён: баллы и проблемы учитывают только отвеченные вопросы.
report-file-overall = Общий балл
report-file-score-hint = Балл — доля ответов «Да» среди применимых ответов («Да» и «Нет»).
report-file-scores-heading = Баллы по разделам
report-file-answers-heading = Ответы по разделам
report-file-problems-heading = Проблемы по приоритету и рекомендуемые действия
report-file-plan-heading = План действий
report-file-col-number = №
report-file-col-section = Раздел
report-file-col-score = Балл
report-file-col-answered = Отвечено
report-file-col-question-id = ID вопроса
report-file-col-question = Вопрос
report-file-col-answer = Ответ
report-file-col-priority = Приоритет
report-file-col-note = Заметка
report-file-col-action = Рекомендуемое действие
report-file-col-zone = Проблемная зона
report-file-col-solution = Предлагаемое решение
report-file-col-owner = Ответственный
report-file-col-deadline = Срок
report-file-col-done = Выполнено
report-file-col-kind = Тип строки
report-file-kind-answer = Ответ
report-file-kind-plan = План
report-file-no-answer = нет ответа
report-file-no-priority = без приоритета
report-file-no-data = нет данных
report-file-problem-na = Не применимо, но есть что улучшить
report-file-no-problems = Проблем не найдено — отличный результат!
report-file-no-plan = План действий пока не составлен.
report-file-no-owner = не назначен
report-file-no-deadline = не задан
report-file-done-yes = Да
report-file-done-no = Нет
report-file-page = Страница

## Notes on answers

btn-note = 📝 Заметка к вопросу { $number }
btn-note-edit = 📝 Изменить заметку к вопросу { $number }
card-note = 📝 Заметка: <i>{ $note }</i>
note-prompt =
    📝 <b>Заметка к вопросу { $number }</b>
    <i>{ $question }</i>

    Напишите заметку одним сообщением — до { $max } символов. Она попадёт в итоги и в отчёт.
note-prompt-current = Сейчас: <i>{ $note }</i>
btn-note-delete = 🗑 Удалить заметку
btn-note-cancel = ✖️ Отмена
ack-note-prompt = Напишите заметку сообщением
note-saved = ✅ Заметка к вопросу { $number } сохранена.
note-deleted = 🗑 Заметка к вопросу { $number } удалена.
note-cancelled = Заметка не изменена.
ack-note-cancelled = Заметка не изменена
ack-note-deleted = Заметка удалена
note-empty = В сообщении нет текста. Напишите заметку или нажмите «✖️ Отмена» — ничего не сохранено.
note-too-long = Заметка длиннее { $max } символов (в ней { $chars }). Сократите и отправьте ещё раз — ничего не сохранено.
note-answer-gone = Ответа на вопрос { $number } больше нет — заметка не сохранена.
notice-plan-underway = Сначала закончите план действий (или «⏹ Закончить план») — потом можно добавить заметку
notice-nothing-to-note = Заметка прикрепляется к ответу — сначала ответьте на вопрос
summary-note = 📝 <i>{ $note }</i>

## The action plan

plan-intro = 🗂 <b>Теперь план действий.</b> Для каждой проблемной зоны — кто отвечает и срок. Это около минуты; всё можно поменять потом командой /plan.
plan-item-head = 🗂 <b>План действий · пункт { $number } из { $total }</b>
plan-item-zone = <b>{ $zone }</b>
plan-item-priority = Приоритет: { $icon } { $priority }
plan-item-solution = 💡 Решение: { $solution }
plan-item-solution-head = 💡 Решение:
plan-item-solution-line = • { $action }
plan-item-owner = 👤 Ответственный: { $owner }
plan-item-deadline = 📅 Срок: { $deadline }
plan-item-done = ✅ <b>Выполнено</b>
plan-item-overdue = ⏰ <b>Просрочено на { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
}</b>
plan-no-owner = не назначен
plan-no-deadline = не задан
plan-ask-owner = 👤 <b>Кто отвечает?</b> Напишите имя или должность (до { $max } символов) или нажмите кнопку.
plan-ask-deadline = 📅 <b>Срок?</b> Выберите кнопку (⭐ — рекомендуемый для этого приоритета) или напишите дату в виде ДД.ММ.ГГГГ.
plan-ask-solution = ✏️ <b>Своё решение.</b> Напишите его одним сообщением (до { $max } символов) — оно заменит предложенное.
btn-owner-me = 👤 Я
btn-skip-owner = Пропустить
btn-edit-solution = ✏️ Своё решение
btn-keep-solution = ↩️ Оставить предложенное
btn-plan-stop = ⏹ Закончить план
btn-term-week = 1 неделя · { $date }
btn-term-two-weeks = 2 недели · { $date }
btn-term-month = 1 месяц · { $date }
btn-term-three-months = 3 месяца · { $date }
btn-term-default = ⭐ { $label }
btn-skip-deadline = Без срока
plan-offer-high = Проблемные зоны готовы. Добавить в план каждую проблему с приоритетом 🔴 «Высокий» отдельным пунктом — со своим ответственным и сроком? Таких проблем: { $count }.
btn-plan-more = ➕ Да, добавить ({ $count })
btn-plan-enough = ✅ Нет, план готов
plan-press-button = Выберите кнопку под вопросом выше: добавить проблемы «Высокий» или закончить план.
owner-empty = В сообщении нет имени. Напишите, кто отвечает (до { $max } символов), или нажмите кнопку — ничего не изменено.
owner-too-long = Слишком длинно: { $chars } символов, а можно до { $max }. Напишите короче — ничего не изменено.
solution-empty = В сообщении нет текста. Напишите решение или нажмите «↩️ Оставить предложенное» — ничего не изменено.
solution-too-long = Решение длиннее { $max } символов (в нём { $chars }). Сократите — ничего не изменено.
date-not-a-date = Не понял дату. Напишите её в виде ДД.ММ.ГГГГ, например { $example }, или выберите кнопку — ничего не изменено.
date-impossible = Такой даты нет в календаре: { $text }. Проверьте день и месяц — ничего не изменено.
date-past = Дата { $text } уже прошла. Срок — сегодня ({ $today }) или позже; ничего не изменено.
date-too-far = Дата { $text } дальше чем через { $years } лет. Выберите срок ближе — ничего не изменено.
ack-owner = Ответственный: { $owner }
ack-owner-skipped = Ответственный не назначен
ack-deadline = Срок: { $date }
ack-deadline-skipped = Без срока
ack-solution-edit = Напишите своё решение сообщением
ack-solution-kept = Решение не изменено
ack-plan-more = Добавлено в план
ack-plan-done = План готов
ack-plan-stopped = План сохранён
ack-plan-item-done = Отмечено как выполненное
ack-plan-item-undone = Снова в работе
ack-plan-edit = Меняем пункт { $number }
plan-stopped = План сохранён. Вернуться к нему: /plan
plan-title = 🗂 <b>План действий — «{ $title }»</b>
plan-title-date = Аудит от { $date } · общий балл { $score }
plan-empty = Проблем не найдено — план действий не нужен. 🎉
plan-footer = Изменить пункт или отметить выполненным: /plan · Отчёт файлами: /report
plan-need-finished = План действий составляется по завершённому аудиту. Продолжить текущий: /continue
plan-no-audit = Пока нет завершённых аудитов — план появится после аудита. Начать: /start
btn-plan-edit = ✏️ Пункт { $number }
btn-plan-done = ☑️ { $number } выполнен
btn-plan-undone = ↩️ { $number } не выполнен
pending-not-a-command = Такой команды нет. Я жду ответ на вопрос выше — напишите его сообщением или нажмите кнопку. Все команды: /help
notice-dates-outdated = Эти сроки уже прошли — обновил кнопки, выберите ещё раз
notice-plan-stale = Этот вопрос плана уже неактуален — ничего не изменено. План: /plan

## Report files

report-none = Пока нет завершённого аудита — отчёт появится, когда вы ответите на все вопросы. Начать: /start
report-caption-pdf = 📄 Отчёт об аудите: баллы, ответы, проблемы и план действий
report-caption-csv = 📑 Все ответы и план таблицей (CSV, открывается в Excel)
report-failed = ⚠️ Не получилось подготовить отчёт. Попробуйте /report ещё раз через минуту.

## /language (each language's name is written in that language)

language-name = Русский
language-prompt =
    🌐 <b>Язык бота</b>
    Сейчас: { $current }. Выберите язык — на нём будут вопросы аудита, итоги, план и отчёты. Ответы не изменятся.
btn-language-current = ✓ { $name }
notice-not-your-language = Эти кнопки — для того, кто отправил /language. Свой язык: /language
ack-language = Язык бота: русский
language-set = ✅ Язык бота: { $name }. Текущая карточка и вопросы — уже на нём.

## The bot's profile: its description (at most 512 characters) and short
## description (at most 120), set at start

bot-description = Бот проводит аудит вашего бизнеса: почему уходят клиенты и как выстроены отношения с ними. Вопросы приходят по одному, ответы — кнопками, всё сохраняется после каждого нажатия. В конце — итоги по разделам, план действий с ответственными и сроками и отчёт в PDF и CSV.
bot-short-description = Аудит оттока клиентов и отношений с ними: вопросы по одному, итоги, план действий и отчёт PDF.

## Reminders (sent to the user's private chat; quiet hours respected)

reminder-unfinished =
    ⏳ <b>Аудит «{ $title }» ждёт вас</b>
    Вы ответили на { $answered } из { $total }. Осталось около { $minutes } — продолжим с того места, где вы остановились?
btn-reminder-continue = ▶️ Продолжить
btn-reminder-stop = 🔕 Больше не напоминать
reminder-deadline = 📅 <b>Сегодня срок по плану:</b> { $zone }
reminder-deadline-again = ⏰ <b>Срок прошёл { $days } { $days ->
        [one] день
        [few] дня
       *[other] дней
    } назад, пункт ещё открыт:</b> { $zone }
reminder-deadline-question = Как продвигается?
btn-reminder-done = ✅ Сделано
btn-reminder-postpone = 📅 Перенести на неделю
btn-reminder-stuck = 🧱 Застряло
reminder-reaudit =
    🔄 <b>Пора повторить аудит «{ $title }»</b>
    Вы проходили его { $date }, общий балл — { $score }%. Пройдите его снова и увидите, что изменилось: бот сравнит результаты с прошлыми.
reminder-reaudit-no-score =
    🔄 <b>Пора повторить аудит «{ $title }»</b>
    Вы проходили его { $date }. Пройдите его снова и увидите, что изменилось: бот сравнит результаты с прошлыми.
btn-reminder-reaudit = 🔄 Пройти снова
reminder-done = ✅ Пункт плана «{ $zone }» выполнен. Отлично! План: /plan
reminder-postponed = 📅 Пункт «{ $zone }» перенесён на { $date }. Напомню в этот день.
reminder-stuck-ask = 🧱 Что мешает выполнить «{ $zone }»? Напишите одним сообщением — я сохраню это в плане.
blocker-saved = 🧱 Записал в план: «{ $blocker }»
blocker-actions = Что обычно помогает:
plan-item-blocker = 🧱 Мешает: { $blocker }
ack-reminder-done = Отмечено как выполненное
ack-reminder-postponed = Срок перенесён
ack-reminder-stuck = Напишите, что мешает
ack-reminder-off = Больше не напомню

## /settings

settings-title = 🔔 <b>Напоминания</b>
settings-line-on = ✅ { $kind }
settings-line-off = 🔕 { $kind } — выключено
settings-kind-unfinished = О незаконченном аудите
settings-kind-deadline = О сроках плана действий
settings-kind-reaudit = О повторном аудите
settings-quiet = С { $start }:00 до { $end }:00 бот не пишет: напоминание придёт утром.
settings-hint = Нажмите кнопку, чтобы включить или выключить.
btn-setting-on = ✅ { $kind }
btn-setting-off = 🔕 { $kind }
ack-setting-on = Включено
ack-setting-off = Выключено
cmd-settings = Напоминания: включить или выключить
report-file-blocker = Мешает:
blocker-empty = В сообщении нет текста. Напишите одним сообщением, что мешает, — ничего не сохранено.
blocker-too-long = Текст длиннее { $max } символов (в нём { $chars }). Сократите и отправьте ещё раз — ничего не сохранено.

## The operator's side: only in the chats of ADMIN_CHAT_IDS

cmd-stats = Статистика аудитов
cmd-export = Выгрузка всех ответов и планов (CSV)
cmd-links = Ссылки на аудиты с метками источника
notice-finished-title = 🏁 <b>Аудит завершён</b>
notice-user = 👤 <a href="tg://user?id={ $id }">{ $name }</a>
notice-username = 👤 <a href="tg://user?id={ $id }">{ $name }</a> · @{ $username }
notice-checklist = 📋 { $checklist } · { $language }
notice-score = 📊 Общий балл: { $score }%
notice-score-none = 📊 Общий балл: нет применимых ответов
notice-zones-title = 🎯 Топ-3 проблемные зоны:
notice-zone = { $number }. { $icon } { $zone } — { $priority }
notice-zones-none = 🎯 Проблемных зон нет
notice-source = 🔗 Источник: { $source }
notice-source-none = 🔗 Источник: без метки
notice-duration = ⏱ Заняло: { $duration }
btn-notice-report = 📄 Отчёт
ack-notice-report = Отправляю отчёт
notice-report-gone = Этого аудита больше нет
duration-minutes = { $minutes } мин
duration-hours = { $hours } ч { $minutes } мин
duration-days = { $days } дн { $hours } ч
stats-title-recent = 📈 <b>Статистика за последние 30 дней</b>
stats-title-all = 📈 <b>Статистика за всё время</b>
stats-empty = Аудитов пока нет.
stats-counts = Начато: { $started } · завершено: { $finished } · брошено: { $abandoned } · в процессе: { $progress }
stats-completion = Завершают: { $rate } · медиана времени: { $median }
stats-score = Средний балл: { $score }
stats-checklist = <b>{ $title }</b>
stats-sections = По разделам: { $sections }
stats-problems = Чаще всего «Нет»:
stats-problem = { $number }. { $question } — { $audits } ({ $share }%)
stats-sources = <b>По источникам</b>
stats-source = { $source }: начато { $started }, завершено { $finished } ({ $rate }), средний балл { $score }
stats-source-none = без метки
stats-no-value = —
links-title = 🔗 <b>Ссылки на аудиты</b>
links-item =
    <b>{ $title }</b>
    { $link }
    С меткой источника, например: { $tracked }
links-hint = Метка — от 1 до 32 символов: латинские буквы, цифры и _. Она видна в уведомлениях о завершении и в /stats.
links-no-username = У бота нет имени пользователя (username), поэтому ссылок нет.
export-started = ⏳ Готовлю выгрузку…
export-caption-answers = 📑 Все ответы всех аудитов
export-caption-plans = 📑 Все пункты планов действий
export-caption-part = { $caption } (часть { $part } из { $parts })
export-file-answers = ответы
export-file-plans = планы
export-failed = ⚠️ Не получилось подготовить выгрузку. Попробуйте /export ещё раз через минуту.
export-col-audit = Аудит
export-col-user-id = ID пользователя
export-col-name = Имя
export-col-username = Username
export-col-checklist = Чек-лист
export-col-version = Версия
export-col-language = Язык
export-col-source = Источник
export-col-started = Начат
export-col-finished = Завершён
export-col-status = Статус
export-status-in-progress = в процессе
export-status-finished = завершён
export-status-abandoned = брошен
report-file-next-step = Следующий шаг
