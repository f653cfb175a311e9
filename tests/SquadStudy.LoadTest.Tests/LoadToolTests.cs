namespace SquadStudy.LoadTest.Tests;

public sealed class ProcessCpuTests
{
    // A line as proc(5) documents it, with a command name that holds spaces and parentheses;
    // utime (field 14) = 250 ticks, stime (field 15) = 37 ticks.
    private const string StatLine =
        "4242 (dotnet (site) x) S 1 4242 4242 0 -1 4194560 51234 0 12 0 250 37 0 0 20 0 18 0 123456 3000000000 45000 18446744073709551615\n";

    [Fact]
    public void Adds_user_and_system_ticks_counted_after_the_command_name()
    {
        ProcessCpu.Parse(StatLine, 100).ShouldBe(TimeSpan.FromMilliseconds(2870));
        // The clock-tick rate is the unit: the same ticks at 250 Hz.
        ProcessCpu.Parse(StatLine, 250).ShouldBe(TimeSpan.FromMilliseconds(1148));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 dotnet S 1 4242")]
    [InlineData("4242 (dotnet) S 1 4242 4242 0 -1 4194560 51234 0 12 0 x 37 0 0")]
    public void A_line_that_is_not_a_stat_line_is_an_error_not_zero(string line)
    {
        Should.Throw<FormatException>(() => ProcessCpu.Parse(line, 100));
    }

    [Fact]
    public void Reads_this_process_from_proc_and_the_count_only_grows()
    {
        // No timing and no comparison with the runtime's figure (getrusage rounds differently
        // from /proc's clock ticks): the file of a live process parses, and a second read is never lower.
        var first = ProcessCpu.Read(Environment.ProcessId);
        var second = ProcessCpu.Read(Environment.ProcessId);

        first.ShouldBeGreaterThan(TimeSpan.Zero);
        second.ShouldBeGreaterThanOrEqualTo(first);
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
