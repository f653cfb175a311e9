using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SquadStudy.Data.Participants;

/// <summary>
/// The single writer of every participant write on SQLite: one thread with its own connection
/// takes the waiting writes (answers, question views, enrolments, abandonment, resuming,
/// withdrawals, declines), runs each in its own savepoint inside one <c>BEGIN IMMEDIATE</c>
/// transaction, commits, and only then completes each caller's task (group commit).
/// </summary>
/// <remarks>
/// SQLite has one writer at a time. Handing a lock from request to request goes through the
/// thread pool's queue, which under load holds the lock idle while hundreds of other work items
/// run; a dedicated thread never waits for the pool, and one commit for many answers costs about
/// what one costs. A write whose statement fails rolls back to its savepoint and faults only its
/// own caller. A caller is acknowledged only after the commit, so a crash loses nothing that was
/// acknowledged. Enrolments read the balance counts inside the same single-writer transaction, so
/// each sees every earlier one. The host stops it through <see cref="StopAsync"/>.
/// <para>
/// Checkpoints (copying the write-ahead log back into the database file) are this thread's too,
/// run after a batch's callers have been answered: SQLite's automatic checkpoint would run inside
/// the commit, and every caller of that batch would wait the 10–20 ms it takes.
/// </para>
/// </remarks>
public sealed class SqliteWriteQueue : IHostedService
{
    /// <summary>How many writes at most share one transaction.</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// How many enrolments at most share one transaction. An enrolment writes a whole plan (a few
    /// milliseconds); when many participants start at once, a transaction of hundreds of them would
    /// hold back every answer queued behind it until all were done.
    /// </summary>
    public const int MaxEnrolmentsPerBatch = 4;

    /// <summary>
    /// How long the writer lets the log grow between its checkpoints (while there are writes).
    /// SQLite's own default, a checkpoint per 1000 logged pages, came a few times a second under load.
    /// </summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromMilliseconds(250);

    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly DatabaseSettings settings;
    private readonly SemaphoreSlim hold = new(1, 1);
    private readonly ILogger<SqliteWriteQueue> logger;
    private readonly Thread thread;
    private readonly TimeSpan checkpointInterval;
    private SqliteConnection? connection;
    private ParticipantSql? sql;
    private SqliteCommand? checkpoint;
    private long lastCheckpoint = Stopwatch.GetTimestamp();
    private bool uncheckpointed;

    public SqliteWriteQueue(DatabaseSettings settings, ILogger<SqliteWriteQueue> logger)
        : this(settings, logger, DefaultCheckpointInterval)
    {
    }

    public SqliteWriteQueue(DatabaseSettings settings, ILogger<SqliteWriteQueue> logger, TimeSpan checkpointInterval)
    {
        if (settings.Provider != DatabaseProvider.Sqlite)
        {
            throw new ArgumentException($"The SQLite writer needs a SQLite database, not {settings.Provider}.", nameof(settings));
        }
        this.settings = settings;
        this.logger = logger;
        this.checkpointInterval = checkpointInterval;
        thread = new Thread(Run) { IsBackground = true, Name = "SquadStudy SQLite writer" };
    }

    /// <summary>How many transactions and writes the queue has committed (for tests and diagnostics).</summary>
    public (long Transactions, long Writes) Committed => (Interlocked.Read(ref transactions), Interlocked.Read(ref writes));

    /// <summary>How many checkpoints the writer has run.</summary>
    public long Checkpoints => Interlocked.Read(ref checkpoints);

    /// <summary>
    /// Whether the last checkpoint copied every logged page back into the database file. A passive
    /// checkpoint leaves the pages a reader's snapshot still needs, and does nothing while another
    /// connection checkpoints (SQLite reports it busy); the next batch's checkpoint copies them.
    /// </summary>
    public bool LastCheckpointComplete => Volatile.Read(ref lastCheckpointComplete);

    private long transactions;
    private long writes;
    private long checkpoints;
    private bool lastCheckpointComplete;

    public Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken) =>
        EnqueueAsync<RecordOutcome>((sql, transaction) => sql.RecordAnswerAsync(transaction, answer, CancellationToken.None), cancellationToken);

    public Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.EnrolAsync(transaction, enrolment, CancellationToken.None), cancellationToken, heavy: true);

    public Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, DateTime? startedBeforeUtc, DateTime nowUtc, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.ReleaseAbandonedAsync(transaction, studyId, idleBeforeUtc, startedBeforeUtc, nowUtc, CancellationToken.None), cancellationToken, heavy: true);

    public Task<bool> EndAsync(long participantId, string status, DateTime nowUtc, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.EndAsync(transaction, participantId, status, nowUtc, CancellationToken.None), cancellationToken, heavy: true);

    public Task<GateOutcome> RecordGateAttemptAsync(GateAttemptWrite attempt, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.RecordGateAttemptAsync(transaction, attempt, CancellationToken.None), cancellationToken, heavy: true);

    public Task<bool> ResumeAsync(long participantId, DateTime nowUtc, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.ResumeAsync(transaction, participantId, nowUtc, CancellationToken.None), cancellationToken, heavy: true);

    public Task<bool> WithdrawAsync(long participantId, CancellationToken cancellationToken) =>
        EnqueueAsync((sql, transaction) => sql.WithdrawAsync(transaction, participantId, CancellationToken.None), cancellationToken, heavy: true);

    public Task DeclineAsync(long studyId, CancellationToken cancellationToken) =>
        EnqueueAsync<bool>(async (sql, transaction) =>
        {
            await sql.DeclineAsync(transaction, studyId, CancellationToken.None);
            return true;
        }, cancellationToken);

    public Task RecordResumeAttemptAsync(long studyId, long participantId, string outcome, DateTime nowUtc, CancellationToken cancellationToken) =>
        EnqueueAsync<bool>(async (sql, transaction) =>
        {
            await sql.RecordResumeAttemptAsync(transaction, studyId, participantId, outcome, nowUtc, CancellationToken.None);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Keeps the writer from starting its next batch until the returned handle is disposed (writes
    /// queue up meanwhile): how the tests line up many writes for one transaction.
    /// </summary>
    internal IDisposable Hold()
    {
        hold.Wait();
        return new Release(hold);
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }

    /// <summary>
    /// Queues a write. The cancellation token only covers waiting for room in the queue: once
    /// queued, a write runs even if its request goes away, so that what the participant sent is
    /// either stored whole or not at all, never left half-done.
    /// </summary>
    private async Task<T> EnqueueAsync<T>(Func<ParticipantSql, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken, bool heavy = false)
    {
        var pending = new Pending<T>(work) { Heavy = heavy };
        if (!thread.IsAlive)
        {
            throw new InvalidOperationException("The SQLite writer is not running (the site is starting or stopping).");
        }
        await queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>Stops taking writes, finishes the ones queued, and waits for the thread.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        return thread.IsAlive ? Task.Run(thread.Join, cancellationToken) : Task.CompletedTask;
    }

    private void Run()
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = queue.Reader;
        // Blocking is what this thread is for: it is not a thread-pool thread.
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            var heavy = 0;
            while (batch.Count < MaxBatch && reader.TryPeek(out var next) && (!next.Heavy || heavy < MaxEnrolmentsPerBatch) && reader.TryRead(out next))
            {
                heavy += next.Heavy ? 1 : 0;
                batch.Add(next);
            }
            try
            {
                WriteBatch(batch);
            }
            catch (Exception e)
            {
                // WriteBatch reports every failure to its callers; this is a bug in the queue itself.
                // Fail the callers rather than leave them waiting, and keep the thread alive.
                logger.LogCritical(e, "The SQLite writer failed outside a transaction.");
                foreach (var pending in batch)
                {
                    pending.Failed ??= e;
                    pending.TryComplete();
                }
            }
            batch.Clear();
            CheckpointIfDue();
        }
        CloseConnection();
    }

    /// <summary>The writer's connection, with its kept statements and without SQLite's automatic checkpoint.</summary>
    private SqliteConnection OpenConnection()
    {
        var opened = SqlitePragmas.Open(settings.ConnectionString);
        using (var noAutomaticCheckpoint = opened.CreateCommand())
        {
            // This connection's commits no longer checkpoint; CheckpointIfDue does, after answering.
            noAutomaticCheckpoint.CommandText = "PRAGMA wal_autocheckpoint=0;";
            noAutomaticCheckpoint.ExecuteNonQuery();
        }
        sql = new ParticipantSql(opened);
        checkpoint = opened.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        return opened;
    }

    private void CloseConnection()
    {
        checkpoint?.Dispose();
        sql?.Dispose();
        connection?.Dispose();
        checkpoint = null;
        sql = null;
        connection = null;
    }

    /// <summary>
    /// A passive checkpoint once the interval has passed since the last (at the first moment no write
    /// is queued, or at four intervals regardless): it copies what no reader
    /// still needs and never waits for readers. A reader that holds an old snapshot (a long export)
    /// leaves the rest for a later checkpoint, as SQLite's automatic one would.
    /// </summary>
    private void CheckpointIfDue()
    {
        var since = Stopwatch.GetElapsedTime(lastCheckpoint);
        // Writes waiting now would wait for the checkpoint too: prefer a moment when none is queued,
        // but do not let the log grow without bound under a load that never pauses.
        if (!uncheckpointed || checkpoint is null || since < checkpointInterval || (queue.Reader.Count > 0 && since < 4 * checkpointInterval))
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var result = checkpoint.ExecuteReader();
            result.Read();
            Volatile.Write(ref lastCheckpointComplete, result.GetInt64(0) == 0 && result.GetInt64(2) == result.GetInt64(1));
            Interlocked.Increment(ref checkpoints);
            logger.LogDebug("Checkpoint: {Checkpointed} of {Logged} logged pages copied in {Ms:F1} ms.",
                result.GetInt64(2), result.GetInt64(1), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (SqliteException e)
        {
            // Nothing is lost: the log keeps the pages and the next checkpoint copies them.
            logger.LogWarning(e, "Checkpoint of the participant database failed; it is retried after the next batch.");
        }
        uncheckpointed = false;
        lastCheckpoint = Stopwatch.GetTimestamp();
    }

    private void WriteBatch(List<Pending> batch)
    {
        // Uncontended except while a test holds the writer; this thread may block (it is not a pool thread).
        hold.Wait();
        try
        {
            connection ??= OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var pending in batch)
            {
                // Each write's savepoint is released (or rolled back) before the next is taken, so one name serves.
                transaction.Save("w");
                try
                {
                    pending.Run(sql!, transaction);
                    transaction.Release("w");
                }
                catch (Exception e)
                {
                    // The write's own failure (a constraint, a bad value) goes to its caller alone.
                    transaction.Rollback("w");
                    transaction.Release("w");
                    pending.Failed = e;
                }
            }
            transaction.Commit();
            uncheckpointed = true;
            Interlocked.Increment(ref transactions);
            Interlocked.Add(ref writes, batch.Count);
        }
        catch (Exception e)
        {
            // The transaction (or the connection) failed as a whole: nothing in it was stored.
            logger.LogError(e, "A batch of {Count} participant writes could not be committed.", batch.Count);
            foreach (var pending in batch)
            {
                pending.Failed ??= e;
            }
            CloseConnection();
        }
        finally
        {
            hold.Release();
        }
        foreach (var pending in batch)
        {
            pending.Complete();
        }
    }

    private abstract class Pending
    {
        /// <summary>An enrolment or a release of abandoned plans: many statements, so few per transaction.</summary>
        public bool Heavy { get; init; }

        public Exception? Failed { get; set; }
        public abstract void Run(ParticipantSql sql, SqliteTransaction transaction);
        public abstract void Complete();
        public abstract void TryComplete();
    }

    private sealed class Pending<T>(Func<ParticipantSql, SqliteTransaction, Task<T>> work) : Pending
    {
        // Continuations run on the thread pool, never on the writer thread.
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T result = default!;

        public Task<T> Task => completion.Task;

        // Microsoft.Data.Sqlite's asynchronous methods complete synchronously; waiting costs nothing.
        public override void Run(ParticipantSql sql, SqliteTransaction transaction) => result = work(sql, transaction).GetAwaiter().GetResult();

        public override void Complete()
        {
            if (Failed is not null)
            {
                completion.SetException(Failed);
            }
            else
            {
                completion.SetResult(result);
            }
        }

        public override void TryComplete() => completion.TrySetException(Failed ?? new InvalidOperationException("The write was not run."));
    }
}
