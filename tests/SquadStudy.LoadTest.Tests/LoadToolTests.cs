using System.Diagnostics;

namespace SquadStudy.LoadTest.Tests;

public sealed class ProcessCpuTests
{
    [Fact]
    public void Reads_the_same_cpu_time_the_runtime_reports_for_this_process()
    {
        var before = ProcessCpu.Read(Environment.ProcessId);
        // Burn about 300 ms of CPU on this thread.
        var clock = Stopwatch.StartNew();
        var x = 1.0;
        while (clock.ElapsedMilliseconds < 300)
        {
            x = Math.Sqrt(x + 1);
        }
        var after = ProcessCpu.Read(Environment.ProcessId);
        var runtime = Process.GetCurrentProcess().TotalProcessorTime;

        x.ShouldBeGreaterThan(1);
        (after - before).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(200));
        // /proc counts in 10 ms ticks; the runtime reads the same counters.
        (runtime - after).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_process_that_does_not_exist_is_an_error_not_zero()
    {
        // Linux pids are at most 2^22; this one cannot exist.
        Should.Throw<IOException>(() => ProcessCpu.Read(int.MaxValue));
    }
}

public sealed class AckLogTests
{
    [Fact]
    public void What_is_written_to_the_file_reads_back_the_same()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var log = new AckLog(path))
            {
                log.Enrolled("tok-a");
                log.Acknowledged("tok-a", 0);
                log.Acknowledged("tok-a", 1);
                log.Enrolled("tok-b");
            }
            var read = AckLog.Read(path);
            read.Participants.ShouldBe(["tok-a", "tok-b"]);
            read.Answers.ShouldBe([("tok-a", 0), ("tok-a", 1)]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_malformed_line_names_the_file_and_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["E tok-a", "A tok-a"]);
            var error = Should.Throw<InvalidDataException>(() => AckLog.Read(path));
            error.Message.ShouldContain(path);
            error.Message.ShouldContain("'A tok-a'");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class CliTests
{
    [Theory]
    [InlineData("http://example.com:5080")]
    [InlineData("https://127.0.0.1:5080")]
    [InlineData("not a url")]
    public async Task Only_a_loopback_http_url_is_accepted(string url)
    {
        var status = await Cli.RunAsync(["run", "--url", url, "--data", Path.GetTempPath()]);
        status.ShouldBe(2);
    }

    [Fact]
    public async Task A_site_pid_that_is_not_a_number_is_rejected_before_anything_runs()
    {
        var status = await Cli.RunAsync(["run", "--url", "http://127.0.0.1:5999", "--data", Path.GetTempPath(), "--site-pid", "abc"]);
        status.ShouldBe(2);
    }
}
