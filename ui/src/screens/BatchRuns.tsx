import { useState } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import type { Estimate } from "../bindings/Estimate";
import type { ListSummary } from "../bindings/ListSummary";
import type { RunProgress } from "../bindings/RunProgress";
import type { RunSummary } from "../bindings/RunSummary";
import { EstimatePanel } from "../components/batch/EstimatePanel";
import { ListPicker } from "../components/batch/ListPicker";
import { RunDiffs } from "../components/batch/RunDiffs";
import { RunHistory } from "../components/batch/RunHistory";
import { RunProgressPanel } from "../components/batch/RunProgressPanel";
import { EmptyState, ErrorPanel, Loading } from "../components/States";
import { errorMessage } from "../lib/api";
import { cancelRun, pauseRun, resumeRun, runHistory, startRun } from "../lib/batchApi";
import { AUDIT_APPENDED } from "../lib/events";
import { navigate } from "../lib/nav";
import { isActive } from "../lib/runs";
import { useLive } from "../lib/useLive";
import { useRunProgress } from "../lib/useRunProgress";
import "../components/admin.css";

const HISTORY = 50;

/** Re-enrich a HubSpot list: pick it (type-ahead), see the estimate, confirm; follow the run
 *  (progress, rate, ETA, pause / resume / cancel); the history with totals and cost, links to
 *  each run's audit rows, and a dry run's per-contact diffs. */
export function BatchRunsScreen({ status, pollMs = 1000 }: { status: AppStatus; pollMs?: number }) {
  // New audit rows mean a run moved on: refresh the totals quietly, at most every 2 s.
  const history = useLive(() => runHistory(HISTORY), [], [AUDIT_APPENDED], 2000);
  const runs = history.data ?? [];
  const unfinished = runs.find((r) => isActive(r.status)) ?? null;
  const [chosen, setChosen] = useState<ListSummary | null>(null);
  // The run this screen started or last saw running; it stays shown once it ends.
  const [followed, setFollowed] = useState<number | null>(null);
  const [diffRun, setDiffRun] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  // A run found running in the history (started by the CLI or an earlier session) is followed
  // too: when the history sees it end before the progress poll does, it must stay shown.
  if (unfinished && followed !== unfinished.id) setFollowed(unfinished.id);

  const onFinished = (p: RunProgress) => {
    setFollowed(p.run.id);
    history.refresh();
    if (p.run.dry_run) setDiffRun(p.run.id);
  };
  const watchedId = unfinished?.id ?? followed;
  const watch = useRunProgress(watchedId, pollMs, onFinished);

  const start = async (dryRun: boolean, force: boolean, estimate: Estimate) => {
    if (!chosen) return;
    const run = await startRun(chosen.list_id, dryRun, force, estimate);
    setFollowed(run.id);
    setChosen(null);
    setActionError(null);
    setDiffRun(null);
    history.refresh();
  };

  const steer = (call: (id: number) => Promise<RunSummary>) => async () => {
    if (watchedId === null) return;
    setBusy(true);
    setActionError(null);
    try {
      await call(watchedId);
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(false);
      watch.refresh();
      history.refresh();
    }
  };
  const toAudit = (runId: number) => navigate({ screen: "activity", runId });
  const diffOf = runs.find((r) => r.id === diffRun) ?? null;

  return (
    <div className="stack batch">
      <section className="section" aria-labelledby="batch-start-title" data-testid="batch-start">
        <h2 id="batch-start-title">Re-enrich a list</h2>
        <p className="small muted">
          After changing the prompt or the model, or to backfill: pick a HubSpot contact list, check the estimate,
          then start. Live events keep priority while a run works.
        </p>
        <ListPicker chosen={chosen} onPick={setChosen} />
        {chosen && (
          <EstimatePanel
            key={chosen.list_id}
            list={chosen}
            blockedBy={unfinished}
            onStart={start}
            onClose={() => setChosen(null)}
          />
        )}
      </section>

      {watch.progress && (
        <RunProgressPanel
          progress={watch.progress}
          pollError={watch.error}
          actionError={actionError}
          busy={busy}
          onPause={() => void steer(pauseRun)()}
          onResume={() => void steer(resumeRun)()}
          onCancel={() => void steer(cancelRun)()}
          onAudit={() => toAudit(watch.progress?.run.id ?? 0)}
        />
      )}
      {!watch.progress && watch.error && <ErrorPanel message={watch.error} onRetry={watch.refresh} />}

      <section className="section" aria-labelledby="batch-history-title">
        <h2 id="batch-history-title">History</h2>
        {history.state === "loading" && status.overview.batch_runs > 0 && <Loading />}
        {history.state === "error" && <ErrorPanel message={history.error ?? "error"} onRetry={history.reload} />}
        {runs.length === 0 && history.state !== "error" && (history.state === "ready" || status.overview.batch_runs === 0) && (
          <EmptyState title="No batch runs yet" testId="batch-empty">
            Re-enrich a HubSpot list after changing the prompt or the model; each run and its totals stay here.
          </EmptyState>
        )}
        {runs.length > 0 && (
          <RunHistory
            runs={runs}
            shownDiffs={diffRun}
            onDiffs={(id) => setDiffRun((shown) => (shown === id ? null : id))}
            onAudit={toAudit}
          />
        )}
      </section>

      {diffRun !== null && <RunDiffs runId={diffRun} listName={diffOf?.list_name ?? ""} />}
    </div>
  );
}
