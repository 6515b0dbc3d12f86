//! /language: the bot's language, switched at any moment. What the user is
//! looking at — the audit card, a note or plan prompt — is drawn again in
//! the new language; no answer changes, since answers are kept by question
//! id, not by text.

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardMarkup, MessageId};

use super::api::{self, Api};
use super::callback::CallbackData;
use super::handlers::{replace_message, send_with_keyboard};
use super::render::{self, button};
use super::{plan, HandlerResult};
use crate::i18n::{s, I18n, Lang, Locale, Tr};
use crate::service::Service;

/// The three languages as buttons, each named in its own language; the
/// current one is marked.
pub(super) fn picker(i18n: &Locale, all: &I18n, user: i64) -> (String, InlineKeyboardMarkup) {
    let name = |lang: Lang| all.locale(lang).t("language-name");
    let text = i18n.t_args("language-prompt", &[s("current", name(i18n.lang()))]);
    let row = Lang::ALL
        .into_iter()
        .map(|lang| {
            let label = if lang == i18n.lang() {
                i18n.t_args("btn-language-current", &[s("name", name(lang))])
            } else {
                name(lang)
            };
            button(label, CallbackData::Language { lang, user })
        })
        .collect::<Vec<_>>();
    (text, InlineKeyboardMarkup::new([row]))
}

/// /language.
pub(super) async fn show<B: Api>(bot: &B, i18n: &Tr, user: i64, chat: ChatId) -> HandlerResult {
    send_with_keyboard(bot, chat, picker(i18n, i18n.all(), user)).await?;
    Ok(())
}

/// A language pressed: stored, confirmed in the new language, and the
/// live card and prompt redrawn in it. The language the user already has
/// is only confirmed: there is nothing to redraw.
pub(super) async fn chosen<B: Api>(
    bot: &B,
    service: &Service,
    all: &std::sync::Arc<I18n>,
    q: &CallbackQuery,
    (lang, current): (Lang, Lang),
    pressed: Option<(ChatId, MessageId)>,
    chat: ChatId,
) -> HandlerResult {
    let user_id = q.from.id.0 as i64;
    service.set_language(user_id, lang).await?;
    let tr = all.tr(lang);
    api::answer(bot, q, Some(&tr.t("ack-language"))).await?;
    let done = tr.t_args("language-set", &[s("name", tr.t("language-name"))]);
    replace_message(bot, pressed, chat, done).await?;
    if lang == current {
        return Ok(());
    }
    redraw(bot, service, &tr, &q.from).await
}

/// Draws the user's live card and the prompt the bot waits on again, in
/// place, in the language of `i18n`. A message that can no longer be edited
/// stays as it is; /continue or /plan sends it anew.
async fn redraw<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    user: &teloxide::types::User,
) -> HandlerResult {
    let user_id = user.id.0 as i64;
    if let Some(session) = service.open(user_id).await.ok().flatten() {
        if let Some(card) = session.record.card {
            let (text, keyboard) = render::card(i18n, &session);
            let (chat, message) = (ChatId(card.chat_id), MessageId(card.message_id));
            if let Err(e) = api::edit_with_keyboard(bot, chat, message, &text, &keyboard).await {
                log::info!(
                    "the card of audit {} was not redrawn: {e}",
                    session.record.id
                );
            }
        }
    }
    if let Some(pending) = service.pending(user_id).await? {
        plan::redraw_prompt(bot, service, i18n, user, pending).await?;
    }
    Ok(())
}
