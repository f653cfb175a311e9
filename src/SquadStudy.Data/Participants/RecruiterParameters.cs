using Microsoft.Extensions.Primitives;

namespace SquadStudy.Data.Participants;

public static class ParticipantSource
{
    public const string Prolific = "prolific";
    public const string Mturk = "mturk";
    public const string Direct = "direct";
}

/// <summary>
/// The recruiter's identifiers from the study link: Prolific's <c>PROLIFIC_PID</c>, <c>STUDY_ID</c>,
/// <c>SESSION_ID</c>; MTurk's <c>workerId</c>, <c>assignmentId</c>, <c>hitId</c>, <c>turkSubmitTo</c>.
/// </summary>
public sealed record RecruiterParameters(
    string? ProlificPid, string? ProlificStudyId, string? ProlificSessionId,
    string? MturkWorkerId, string? MturkAssignmentId, string? MturkHitId, bool MturkSandbox)
{
    public const int MaxLength = 64;

    /// <summary>The value MTurk sends while a worker previews a HIT they have not accepted.</summary>
    public const string MturkPreviewAssignment = "ASSIGNMENT_ID_NOT_AVAILABLE";

    public static readonly RecruiterParameters None = new(null, null, null, null, null, null, false);

    public string Source => ProlificPid is not null ? ParticipantSource.Prolific
        : MturkWorkerId is not null ? ParticipantSource.Mturk
        : ParticipantSource.Direct;

    /// <summary>An MTurk preview: the worker sees the task but nobody is enrolled.</summary>
    public bool IsMturkPreview => MturkAssignmentId == MturkPreviewAssignment;

    /// <summary>The query parameters that carry these values through the consent form.</summary>
    public IReadOnlyDictionary<string, string> ToQuery()
    {
        var query = new Dictionary<string, string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                query[key] = value;
            }
        }
        Add("PROLIFIC_PID", ProlificPid);
        Add("STUDY_ID", ProlificStudyId);
        Add("SESSION_ID", ProlificSessionId);
        Add("workerId", MturkWorkerId);
        Add("assignmentId", MturkAssignmentId);
        Add("hitId", MturkHitId);
        if (MturkSandbox)
        {
            query["turkSubmitTo"] = "https://workersandbox.mturk.com";
        }
        return query;
    }

    /// <summary>Reads and validates the parameters; an error names the parameter at fault.</summary>
    public static bool TryParse(Func<string, StringValues> get, out RecruiterParameters parameters, out string? error)
    {
        parameters = None;
        error = null;
        string? Read(string name, ref string? failure)
        {
            var values = get(name);
            if (values.Count == 0)
            {
                return null;
            }
            var value = values[0];
            if (values.Count > 1)
            {
                failure ??= $"The link gives '{name}' more than once.";
                return null;
            }
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }
            if (value.Length > MaxLength || !value.All(IsSafe))
            {
                failure ??= $"The link's '{name}' is not a valid identifier (at most {MaxLength} letters, digits, '-', '_' or '.').";
                return null;
            }
            return value;
        }

        string? failure = null;
        var pid = Read("PROLIFIC_PID", ref failure);
        var studyId = Read("STUDY_ID", ref failure);
        var sessionId = Read("SESSION_ID", ref failure);
        var worker = Read("workerId", ref failure);
        var assignment = Read("assignmentId", ref failure);
        var hit = Read("hitId", ref failure);
        var submitTo = get("turkSubmitTo").FirstOrDefault();
        if (failure is null && pid is not null && (worker is not null || assignment is not null))
        {
            failure = "The link carries both Prolific and MTurk identifiers; please use the link your recruiter gave you.";
        }
        if (failure is null && worker is not null && assignment is null)
        {
            failure = "The MTurk link has a 'workerId' but no 'assignmentId'.";
        }
        if (failure is not null)
        {
            error = failure;
            return false;
        }
        var sandbox = submitTo is not null
            && Uri.TryCreate(submitTo, UriKind.Absolute, out var uri)
            && uri.Host.Equals("workersandbox.mturk.com", StringComparison.OrdinalIgnoreCase);
        parameters = new RecruiterParameters(pid, studyId, sessionId, worker, assignment, hit, sandbox);
        return true;
    }

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
