using System.Diagnostics;

namespace VLOrleans.Silo.Tests.Newcomer;

/// <summary>
/// deploy/: the systemd unit is hardened as documented (read-only system, private /tmp, the data folder the only
/// writable path, no telemetry), and the Dockerfile — which cannot be built on the test machines, having no base
/// images — refers only to files that exist and installs its runtime packages from setup.sh's run profile.
/// </summary>
public sealed class DeploymentFilesTests
{
    /// <summary>The unit's [Service] settings as key → values (a key may repeat, e.g. Environment=).</summary>
    private static ILookup<string, string> ServiceSettings()
    {
        var section = "";
        var settings = new List<(string, string)>();
        foreach (var raw in File.ReadLines(RepositoryFiles.Path("deploy", "vlorleans.service")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('[')) { section = line; continue; }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section == "[Service]" && equals > 0) settings.Add((line[..equals], line[(equals + 1)..]));
        }
        return settings.ToLookup(s => s.Item1, s => s.Item2);
    }

    [Fact]
    public void The_systemd_unit_is_read_only_but_for_the_data_folder_with_private_tmp_and_no_telemetry()
    {
        var service = ServiceSettings();
        Assert.Equal("strict", Assert.Single(service["ProtectSystem"]));
        Assert.Equal("yes", Assert.Single(service["PrivateTmp"]));
        Assert.Equal("yes", Assert.Single(service["ProtectHome"]));
        Assert.Equal("yes", Assert.Single(service["NoNewPrivileges"]));
        // The one writable place: the state directory /var/lib/vlorleans, which is also the server's data folder.
        Assert.Equal("vlorleans", Assert.Single(service["StateDirectory"]));
        Assert.Empty(service["ReadWritePaths"]);
        var environment = service["Environment"].ToList();
        Assert.Contains("VLO__DataPath=/var/lib/vlorleans", environment);
        Assert.Contains("ORT_DISABLE_TELEMETRY=1", environment);
        Assert.Contains("ASPNETCORE_URLS=http://localhost:8080", environment);
        Assert.Equal("/usr/bin/dotnet /opt/vlorleans/app/VLOrleans.Silo.dll", Assert.Single(service["ExecStart"]));
    }

    [Fact]
    public void The_Dockerfile_builds_from_files_that_exist_and_says_it_is_not_built_here()
    {
        var dockerfile = File.ReadAllText(RepositoryFiles.Path("deploy", "Dockerfile"));
        Assert.Contains("NOT BUILT IN THIS REPOSITORY'S CHECKS", dockerfile);
        Assert.Equal(2, dockerfile.Split('\n').Count(l => l.StartsWith("FROM ", StringComparison.Ordinal))); // multi-stage: build, runtime
        foreach (var path in new[] { "scripts/setup.sh", "silo/VLOrleans.Silo.csproj", "web/index.html" })
        {
            Assert.Contains(path.Split('/')[0], dockerfile);
            Assert.True(File.Exists(RepositoryFiles.Path(path.Split('/'))), $"{path} is missing");
        }
        Assert.Contains("bash scripts/setup.sh run", dockerfile);
        Assert.Contains("dotnet publish silo/VLOrleans.Silo.csproj", dockerfile);
        Assert.Contains("ORT_DISABLE_TELEMETRY=1", dockerfile);
        Assert.Contains("USER vlorleans", dockerfile);
    }

    [Fact]
    public void The_runtime_package_list_the_Dockerfile_derives_from_setup_is_the_image_libraries()
    {
        // The same pipeline the Dockerfile runs to choose the runtime image's Debian packages.
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, WorkingDirectory = RepositoryFiles.Root };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("bash scripts/setup.sh --print-plan run | awk '$1 == \"apt\" { print $2 }'");
        using var process = Process.Start(info)!;
        var packages = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        Assert.Equal(["libturbojpeg0", "libpng16-16", "libwebp7", "libwebpdemux2", "libgif7", "libexif12", "libgdk-pixbuf-2.0-0"], packages);
        Assert.Contains("bash scripts/setup.sh --print-plan run | awk '$1 == \"apt\" { print $2 }'", File.ReadAllText(RepositoryFiles.Path("deploy", "Dockerfile")));
    }
}
