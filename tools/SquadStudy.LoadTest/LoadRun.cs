using System.Collections.Concurrent;
using System.Diagnostics;

namespace SquadStudy.LoadTest;

/// <summary>
/// N concurrent participants for a fixed time. Without a rate each answers as fast as it can
/// (POST the answer, follow the redirect with a GET): the server's throughput, with latency that
/// is, by Little's law, about N / throughput. With a rate (answers per second, over all
/// participants) each participant answers on its own fixed schedule, N / rate seconds apart, and
/// latency is measured from when the answer was due, so a server that falls behind is charged for
/// the wait (no coordinated omission). An answer counts as acknowledged when its POST got the 302.
/// Afterwards the database is read directly to count lost and duplicated answers.
/// </summary>
public static class LoadRun
{
    public static async Task<int> RunAsync(IReadOnlyList<Uri> url, string dataDirectory, string slug, int participants, int seconds, int warmupSeconds, string? logPath,
        double rate = 0, int? sitePid = null, string? database = null)
    {
        using var log = new AckLog(logPath);
        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentDictionary<string, int>();
        void Error(Exception e) => errors.AddOrUpdate(e.GetType().Name + ": " + e.Message.Split('\n')[0], 1, (_, n) => n + 1);

        // Warm-up, not timed: every participant enrols and opens its first question.
        var enrolClock = Stopwatch.StartNew();
        var crowd = await Task.WhenAll(Enumerable.Range(0, participants).Select(async _ =>
        {
            var participant = new SimulatedParticipant(url, slug);
            try
            {
                await participant.EnrolAsync(CancellationToken.None);
                log.Enrolled(participant.Token!);
                return participant;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Error(e);
                participant.Dispose();
                return null;
            }
        }));
        Console.WriteLine($"enrolment: {crowd.Count(p => p is not null)} of {participants} in {enrolClock.Elapsed.TotalSeconds:F1} s (not timed below)");

        // Then a warm-up of answering (JIT tiering, caches), not measured, and the measured time.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(warmupSeconds + seconds));
        var clock = Stopwatch.StartNew();
        var measuredFrom = TimeSpan.FromSeconds(warmupSeconds);
        var measuredAnswers = 0;

        // Paced: participant i is due at offset i/N of an interval, then every interval.
        var interval = rate > 0 ? TimeSpan.FromSeconds(participants / rate) : TimeSpan.Zero;

        async Task SimulateAsync(int index, SimulatedParticipant? first)
        {
            var random = new Random(index);
            var participant = first;
            var due = clock.Elapsed + interval * index / participants;
            var rebased = false;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (participant is null)
                    {
                        participant = new SimulatedParticipant(url, slug);
                        await participant.EnrolAsync(stop.Token);
                        log.Enrolled(participant.Token!);
                    }
                    var (form, _) = await participant.GetAsync(participant.QuestionPath, stop.Token);
                    while (form is QuestionForm current && !stop.IsCancellationRequested)
                    {
                        if (rate > 0 && !rebased && clock.Elapsed >= measuredFrom)
                        {
                            // A backlog from the warm-up (JIT, cold caches) is not the steady state
                            // measured: slots missed by then are dropped, once.
                            rebased = true;
                            while (due < clock.Elapsed)
                            {
                                due += interval;
                            }
                        }
                        if (rate > 0 && due - clock.Elapsed is { } wait && wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, stop.Token);
                        }
                        var started = Stopwatch.GetTimestamp();
                        // Measured are the answers begun in the measured time; one begun in the
                        // warm-up would carry the warm-up's backlog into the figures.
                        var measured = clock.Elapsed >= measuredFrom;
                        if (rate > 0)
                        {
                            // Charged from when the answer was due, even if the previous one made it late.
                            var late = clock.Elapsed - due;
                            started -= late > TimeSpan.Zero ? (long)(late.TotalSeconds * Stopwatch.Frequency) : 0;
                            due += interval;
                        }
                        var next = await participant.AnswerAsync(current, current.Options[random.Next(current.Options.Length)], stop.Token);
                        if (next is null)
                        {
                            errors.AddOrUpdate("answer not acknowledged", 1, (_, n) => n + 1);
                            break;
                        }
                        log.Acknowledged(participant.Token!, current.Position);
                        (form, _) = await participant.GetAsync(next, stop.Token);
                        if (measured)
                        {
                            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            Interlocked.Increment(ref measuredAnswers);
                        }
                    }
                    if (form is null)
                    {
                        // Plan finished: the next simulated person enrols.
                        participant.Dispose();
                        participant = null;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
                {
                    Error(e);
                    // The server may be down (the crash test kills it): back off instead of spinning.
                    await Task.Delay(100, CancellationToken.None);
                }
            }
            participant?.Dispose();
        }

        // CPU time of the site (and of this tool) over the measured time: what an answer costs,
        // a figure that the hypervisor's steal and the scheduler's noise disturb far less than latency.
        TimeSpan SiteCpu() => sitePid is { } pid ? ProcessCpu.Read(pid) : TimeSpan.Zero;
        var cpuAtStart = Task.Run(async () =>
        {
            await Task.Delay(measuredFrom - clock.Elapsed is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
            return (Site: SiteCpu(), Tool: Process.GetCurrentProcess().TotalProcessorTime);
        });
        await Task.WhenAll(crowd.Select((p, i) => Task.Run(() => SimulateAsync(i, p))));
        var elapsed = (clock.Elapsed - measuredFrom).TotalSeconds;
        var cpuFrom = await cpuAtStart;
        var siteCpu = SiteCpu() - cpuFrom.Site;
        var toolCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuFrom.Tool;

        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"participants: {participants} concurrent, {log.EnrolledCount} enrolled; warm-up {warmupSeconds} s, measured {elapsed:F1} s; "
            + (rate > 0 ? $"paced at {rate:F0} answers/s (each participant every {interval.TotalMilliseconds:F0} ms)" : "as fast as they can"));
        Console.WriteLine($"answers acknowledged: {log.AcknowledgedCount} in all, {measuredAnswers} measured ({measuredAnswers / elapsed:F0} answers/s)");
        Console.WriteLine($"latency of answer POST + next GET: p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms, max {(sorted.Length == 0 ? double.NaN : sorted[^1]):F2} ms");
        if (measuredAnswers > 0)
        {
            Console.WriteLine((sitePid is null ? "" : $"site CPU: {siteCpu.TotalMilliseconds / measuredAnswers:F3} ms per answer ({siteCpu.TotalSeconds / elapsed:F2} cores); ")
                + $"load tool CPU: {toolCpu.TotalMilliseconds / measuredAnswers:F3} ms per answer ({toolCpu.TotalSeconds / elapsed:F2} cores)");
        }
        foreach (var (error, count) in errors)
        {
            Console.WriteLine($"errors: {count} × {error}");
        }
        var verdict = await Verifier.VerifyAsync(url, dataDirectory, slug, log, checkResume: false, database);
        if (log.AcknowledgedCount == 0)
        {
            Console.WriteLine("RESULT: FAIL (no answer was acknowledged)");
            return 1;
        }
        return verdict;
    }
}

/// <summary>User + system CPU time of another process, from <c>/proc/PID/stat</c> (Linux, proc(5)).</summary>
public static class ProcessCpu
{
    /// <summary>USER_HZ, the unit of <c>utime</c> and <c>stime</c>: 100 on every Linux architecture .NET runs on.</summary>
    public const int ClockTicksPerSecond = 100;

    public static TimeSpan Read(int pid) => Parse(File.ReadAllText($"/proc/{pid}/stat"), ClockTicksPerSecond);

    /// <summary>
    /// utime + stime of one <c>/proc/PID/stat</c> line. The command name (field 2) is in
    /// parentheses and may itself hold spaces and parentheses, so the fields are counted from its
    /// last closing parenthesis: state is field 3, utime and stime fields 14 and 15.
    /// </summary>
    public static TimeSpan Parse(string stat, int clockTicksPerSecond)
    {
        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13
            || !long.TryParse(fields[11], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var system))
        {
            throw new FormatException($"Not a /proc/PID/stat line: '{stat.Trim()}'.");
        }
        return TimeSpan.FromSeconds((user + system) / (double)clockTicksPerSecond);
    }
}

/// <summary>
/// Enrolled participants and acknowledged (token, position) pairs, as lines "E token" and
/// "A token position". With a file, every line is appended and flushed as it happens, so the
/// crash test can count what was acknowledged at the moment it kills the site.
/// </summary>
public sealed class AckLog(string? path = null) : IDisposable
{
    private readonly ConcurrentQueue<string> enrolled = new();
    private readonly ConcurrentQueue<(string Token, int Position)> acknowledged = new();
    private readonly StreamWriter? writer = path is null ? null : new StreamWriter(path, append: false) { AutoFlush = true };
    private readonly Lock gate = new();

    public int EnrolledCount => enrolled.Count;
    public int AcknowledgedCount => acknowledged.Count;
    public IEnumerable<string> Participants => enrolled;
    public IEnumerable<(string Token, int Position)> Answers => acknowledged;

    public void Enrolled(string token)
    {
        enrolled.Enqueue(token);
        Write($"E {token}");
    }

    public void Acknowledged(string token, int position)
    {
        acknowledged.Enqueue((token, position));
        Write($"A {token} {position.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    private void Write(string line)
    {
        if (writer is not null)
        {
            lock (gate)
            {
                writer.WriteLine(line);
            }
        }
    }

    public void Dispose() => writer?.Dispose();

    public static AckLog Read(string path)
    {
        var log = new AckLog();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ');
            switch (parts)
            {
                case ["E", var token]:
                    log.Enrolled(token);
                    break;
                case ["A", var token, var position]:
                    log.Acknowledged(token, int.Parse(position, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new InvalidDataException($"{path}: line '{line}' is neither 'E token' nor 'A token position'.");
            }
        }
        return log;
    }
}
