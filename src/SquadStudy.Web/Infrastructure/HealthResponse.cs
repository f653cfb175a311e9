using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SquadStudy.Web.Infrastructure;

/// <summary>
/// <c>/healthz</c>: 200 with the database's state when healthy, 503 otherwise. The public answer
/// carries states and schema versions only; the descriptions (which quote database errors: host
/// names, file paths) are at <c>/research/healthz</c>, for signed-in researchers.
/// </summary>
public static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static readonly HealthCheckOptions Public = Create(details: false);

    public static readonly HealthCheckOptions Detailed = Create(details: true);

    private static HealthCheckOptions Create(bool details) => new()
    {
        ResponseWriter = (context, report) => WriteAsync(context, report, details),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    private static Task WriteAsync(HttpContext context, HealthReport report, bool details)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = details ? e.Value.Description : null, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
