using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SquadStudy.BrowserTests;

/// <summary>
/// Debian's nginx as the TLS reverse proxy a deployment puts in front of the site (docs/deploy.md),
/// on loopback with a throw-away self-signed certificate for <c>localhost</c> and 127.0.0.1.
/// <see cref="PublicPort"/> proxies to the site with the forwarded headers of docs/deploy.md;
/// <see cref="FramerPort"/> and <see cref="StrangerPort"/> are two other HTTPS origins that only
/// serve static pages from <see cref="WriteFramerPage"/> (an MTurk-like host page, and one that
/// must not be able to frame anything).
/// </summary>
public sealed class NginxProxy : IDisposable
{
    public const string ExecutablePath = "/usr/sbin/nginx";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "squadstudy-nginx", Guid.NewGuid().ToString("N"));
    private Process? process;

    /// <summary>Ports chosen before the site starts, so that its framing origins can name them.</summary>
    public NginxProxy()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"This browser test needs Debian's nginx at {ExecutablePath}: 'bash scripts/setup.sh --test' installs it.");
        }
        PublicPort = FreePort();
        FramerPort = FreePort();
        StrangerPort = FreePort();
        Directory.CreateDirectory(Path.Combine(directory, "static"));
    }

    public int PublicPort { get; }
    public int FramerPort { get; }
    public int StrangerPort { get; }

    /// <summary>The site as the public sees it, through the proxy.</summary>
    public string PublicUrl => $"https://localhost:{PublicPort}";

    /// <summary>Another site (127.0.0.1 is not the same site as localhost), standing in for MTurk's worker host.</summary>
    public string FramerUrl => $"https://127.0.0.1:{FramerPort}";

    /// <summary>A third site, which the study does not allow to frame it.</summary>
    public string StrangerUrl => $"https://127.0.0.1:{StrangerPort}";

    /// <summary>A static page served by both framing origins at <c>/{name}</c>.</summary>
    public void WriteFramerPage(string name, string html) => File.WriteAllText(Path.Combine(directory, "static", name), html);

    /// <summary>Writes the certificate and configuration, starts nginx in the foreground and waits until it accepts connections.</summary>
    public async Task StartAsync(Uri upstream)
    {
        var key = Path.Combine(directory, "key.pem");
        var certificate = Path.Combine(directory, "cert.pem");
        await RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate);
        var configuration = Path.Combine(directory, "nginx.conf");
        // One process in the foreground (no user switch, so the temporary directory stays readable),
        // every path inside the temporary directory.
        File.WriteAllText(configuration, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              ssl_certificate {{certificate}};
              ssl_certificate_key {{key}};
              types { text/html html; }
              server {
                listen 127.0.0.1:{{PublicPort}} ssl;
                server_name localhost;
                # docs/deploy.md's location, with $http_host for $host: here the public port is not 443.
                location / {
                  proxy_pass http://{{upstream.Authority}};
                  proxy_http_version 1.1;
                  proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $remote_addr;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_set_header X-Forwarded-Host $http_host;
                }
              }
              server {
                listen 127.0.0.1:{{FramerPort}} ssl;
                listen 127.0.0.1:{{StrangerPort}} ssl;
                root {{directory}}/static;
              }
            }
            """);
        process = Process.Start(new ProcessStartInfo(ExecutablePath, ["-p", directory, "-c", configuration])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("nginx did not start.");
        for (var attempt = 0; ; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()} {ErrorLog()}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, PublicPort);
                return;
            }
            catch (SocketException) when (attempt < 200)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }
        process?.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private string ErrorLog()
    {
        var path = Path.Combine(directory, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var run = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"{file} did not start.");
        var error = run.StandardError.ReadToEndAsync();
        await run.StandardOutput.ReadToEndAsync();
        await run.WaitForExitAsync();
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {run.ExitCode}: {await error}");
        }
    }
}
