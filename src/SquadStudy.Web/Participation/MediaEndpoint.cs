using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using SquadStudy.Data;

namespace SquadStudy.Web.Participation;

/// <summary>
/// <c>/media/{sha256}.{ext}</c>: files of the content store by the hash of their bytes. The URL says
/// nothing about the method, class or model that made an image, and its content never changes, so
/// browsers may cache it forever.
/// </summary>
public static partial class MediaEndpoint
{
    public const string Prefix = "/media/";

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg)$")]
    private static partial Regex FileName();

    /// <summary>The public URL of a content-store path (<c>store/ab/&lt;sha&gt;.png</c>), or null.</summary>
    public static string? UrlFor(string? storePath)
    {
        if (storePath is null)
        {
            return null;
        }
        var name = Path.GetFileName(storePath);
        return FileName().IsMatch(name) ? Prefix + name : null;
    }

    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "{file}", (string file, ContentStore store, HttpContext context) =>
        {
            var match = FileName().Match(file);
            if (!match.Success)
            {
                return Results.NotFound();
            }
            var extension = match.Groups[1].Value;
            var full = store.Resolve(ContentStore.RelativePath(file[..64], extension));
            if (full is null || !File.Exists(full))
            {
                return Results.NotFound();
            }
            context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            context.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
            return Results.File(full, extension == "png" ? "image/png" : "image/jpeg",
                entityTag: new EntityTagHeaderValue($"\"{file[..64]}\""));
        }).AllowAnonymous();
        return app;
    }
}
