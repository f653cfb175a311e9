# Builds and runs the SquadStudy site. Used by docker-compose.yml (site + PostgreSQL).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/SquadStudy.Web/SquadStudy.Web.csproj -c Release -o /app
# The command-line tool beside the site: `squadstudy worker` runs precompute workers (docker-compose.yml, profile cluster).
RUN dotnet publish src/SquadStudy.Cli/SquadStudy.Cli.csproj -c Release -o /app/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
# The engine's image codecs, libjpeg-turbo and libspng. libtorch comes with TorchSharp's package;
# Ubuntu 24.04's libstdc++ (GCC 14) has GLIBCXX_3.4.32, so no shim is needed here (docs/engine.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libturbojpeg libspng0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY demo/pack /app/demo/pack
# No public demo study unless asked for (SquadStudy__SeedDemo=true): a container on the internet
# would otherwise open an anonymous study to anyone who finds it.
ENV ASPNETCORE_URLS=http://+:8080 \
    SquadStudy__DataDirectory=/data \
    SquadStudy__DemoPack=/app/demo/pack \
    SquadStudy__SeedDemo=false
VOLUME /data
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "SquadStudy.Web.dll"]
