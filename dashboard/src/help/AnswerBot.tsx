/**
 * The answer bot's settings of a website (docs/dashboard.md, "The answer bot"; the server's
 * side is docs/assistant.md), at `help-center/bot?website=…`, for owners and admins: on or
 * off, when it answers, its name and its threshold, saved together; and the preview on past
 * questions, at the threshold on the form (saved or not), so that an owner tunes before
 * switching it on. The preview runs on request only, not as the slider moves: the server
 * allows 10 a minute per organization.
 */
import { useEffect, useState } from 'react';
import {
  AnswerBotPreviewDocument,
  AssistantSettingsDocument,
  UpdateAssistantSettingsDocument,
  type AnswerBotMode,
  type AnswerBotPreviewItem,
  type AssistantSettings,
} from '../assistant';
import type { HelpWebsite } from '../articles';
import { useServices } from '../directory';
import { Link, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { SwitchRow } from '../settings/WebsiteSwitches';
import { Badge, Button, ErrorState, Field, Loading, Segmented, TextField, errorMessage, toast, useAction, useLoad } from '../ui';
import { AdminsOnly, SettingsHead } from './SettingsHead';

/** The server's default threshold, for the hint. */
const DEFAULT_THRESHOLD = 0.7;
/** Past questions the preview asks for. */
const PREVIEW_SIZE = 50;

const MODES: { value: AnswerBotMode; label: string }[] = [
  { value: 'ALWAYS', label: 'Always' },
  { value: 'AWAY', label: 'Only when away' },
];

const percent = (share: number) => `${Math.round(share * 100)}%`;

type Errors = Partial<Record<'botName' | 'threshold' | 'form', string>>;

/** A refusal under the field its message names ("botName must be 1 to 60 characters"), else for the form. */
function errorsOf(error: unknown): Errors {
  const e = error as { code?: string; message?: string };
  const message = errorMessage(error).replace(/\.?$/, '.');
  const first = e?.code === 'BAD_USER_INPUT' ? e.message?.split(/\s/, 1)[0] : undefined;
  if (first === 'botName') return { botName: message.replace(/^BotName/, 'The bot’s name') };
  if (first === 'threshold') return { threshold: message.replace(/^Threshold/, 'The threshold') };
  return { form: message };
}

export function AnswerBot({ websites }: { websites: HelpWebsite[] }) {
  const me = useMe();
  const { query } = useLocation();
  const website = websites.find((w) => w.id === query.get('website')) ?? websites[0]!;
  if (!isAdmin(me)) return <AdminsOnly title="Answer bot" what="set up the answer bot" />;
  return (
    <>
      <SettingsHead title="Answer bot" path="help-center/bot" websites={websites} website={website}>
        Answers visitors’ questions on {website.name} from its published articles, and hands the chat to your team when they ask
        for a person.
      </SettingsHead>
      <BotSettings key={website.id} website={website} />
    </>
  );
}

function BotSettings({ website }: { website: HelpWebsite }) {
  const { client } = useServices();
  const saved = useLoad(
    async () => (await client.request(AssistantSettingsDocument, { websiteId: website.id })).assistantSettings,
    [client, website.id],
  );
  const [form, setForm] = useState<AssistantSettings | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  useEffect(() => {
    if (saved.data) setForm(saved.data);
  }, [saved.data]);
  const save = useAction(async () => {
    if (!form) return;
    setErrors({});
    try {
      const { updateAssistantSettings } = await client.request(UpdateAssistantSettingsDocument, {
        websiteId: website.id,
        input: { answerBot: form.answerBot, mode: form.mode, botName: form.botName, threshold: form.threshold },
      });
      saved.set(updateAssistantSettings);
      toast(`Answer bot ${updateAssistantSettings.answerBot ? 'on' : 'off'}: settings saved`);
    } catch (e) {
      setErrors(errorsOf(e));
    }
  });

  if (saved.error) return <ErrorState error={saved.error} retry={saved.reload} />;
  if (!form) return <Loading />;
  const change = (patch: Partial<AssistantSettings>) => setForm((f) => f && { ...f, ...patch });
  const dirty =
    !!saved.data &&
    (form.answerBot !== saved.data.answerBot ||
      form.mode !== saved.data.mode ||
      form.botName !== saved.data.botName ||
      form.threshold !== saved.data.threshold);

  return (
    <>
      <form
        className="panel bot-form"
        aria-label="Answer bot settings"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <SwitchRow
          label="Answer visitors from your articles"
          hint="When a visitor asks something a published article covers, the bot replies with its passage and link, and hands the chat to your team if they ask for a person."
          on={form.answerBot}
          onToggle={() => change({ answerBot: !form.answerBot })}
        />
        <div className="field">
          <span className="field-label" aria-hidden="true">
            When it answers
          </span>
          <Segmented label="When it answers" value={form.mode} options={MODES} onChange={(mode) => change({ mode })} />
          <p className="hint">
            {form.mode === 'ALWAYS'
              ? 'Every chat nobody on the team has taken yet.'
              : 'Only outside business hours, or while nobody on the team is online.'}
          </p>
        </div>
        <TextField
          label="Bot name"
          value={form.botName}
          maxLength={60}
          onChange={(e) => change({ botName: e.target.value })}
          hint="Visitors see it on the bot’s messages."
          error={errors.botName}
        />
        <Field
          label="Threshold"
          error={errors.threshold}
          hint={
            <>
              The share of a question the best article must cover for the bot to answer ({percent(DEFAULT_THRESHOLD)} to start
              with). Higher: fewer answers, more often right.
            </>
          }
        >
          {(p) => (
            <div className="threshold">
              <input
                type="range"
                min={0.1}
                max={1}
                step={0.05}
                value={form.threshold}
                onChange={(e) => change({ threshold: Number(e.target.value) })}
                aria-valuetext={percent(form.threshold)}
                {...p}
              />
              <output htmlFor={p.id}>{percent(form.threshold)}</output>
            </div>
          )}
        </Field>
        {errors.form && (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={save.busy} disabled={!dirty}>
            Save
          </Button>
          {dirty && (
            <Button variant="ghost" onClick={() => saved.data && (setForm(saved.data), setErrors({}))}>
              Discard changes
            </Button>
          )}
        </div>
      </form>
      <Preview websiteId={website.id} threshold={form.threshold} />
    </>
  );
}

/** What the bot would answer to past first questions at `threshold` (the form's, saved or not). */
function Preview({ websiteId, threshold }: { websiteId: string; threshold: number }) {
  const { client } = useServices();
  const [shown, setShown] = useState<{ threshold: number; items: AnswerBotPreviewItem[] } | null>(null);
  const run = useAction(async () => {
    const { answerBotPreview } = await client.request(AnswerBotPreviewDocument, { websiteId, threshold, first: PREVIEW_SIZE });
    setShown({ threshold, items: answerBotPreview });
  });
  const answered = shown?.items.filter((i) => i.answers).length ?? 0;
  return (
    <section className="panel" aria-labelledby="bot-preview-title">
      <div className="panel-title">
        <h2 id="bot-preview-title">Preview on past questions</h2>
        <Button busy={run.busy} onClick={() => void run.run()}>
          {shown ? 'Preview again' : 'Preview on past questions'}
        </Button>
      </div>
      <p className="hint">
        What the bot would answer to visitors’ last {PREVIEW_SIZE} first questions at the threshold on the form (
        {percent(threshold)}), saved or not. Nothing is sent.
      </p>
      {run.error && (
        <p className="form-error" role="alert">
          {run.error}
        </p>
      )}
      {shown &&
        (shown.items.length === 0 ? (
          <p className="muted">No past questions on this website yet.</p>
        ) : (
          <>
            <p role="status">
              At {percent(shown.threshold)} the bot would answer {answered} of {shown.items.length}.
              {shown.threshold !== threshold && (
                <strong> The threshold on the form is now {percent(threshold)}: preview again to see its answers.</strong>
              )}
            </p>
            <div className="table-scroll">
              <table className="table bot-preview" aria-label="The bot on past questions">
                <thead>
                  <tr>
                    <th scope="col">Question</th>
                    <th scope="col">Best article</th>
                    <th scope="col">Coverage</th>
                    <th scope="col">The bot</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.items.map((i) => (
                    <tr key={i.conversationId}>
                      <td>
                        <Link to={`inbox/all/${i.conversationId}`}>{i.question}</Link>
                      </td>
                      <td>
                        {i.articleId ? (
                          <Link to={`help-center/${i.articleId}`}>{i.articleTitle}</Link>
                        ) : (
                          <span className="muted">None</span>
                        )}
                      </td>
                      <td>{percent(i.coverage)}</td>
                      <td>{i.answers ? <Badge tone="ok">Answers</Badge> : <Badge>Stays silent</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ))}
    </section>
  );
}
