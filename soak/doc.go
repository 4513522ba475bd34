// Package soak drives a running hark server with a mix of real load (streaming at real-time pace, durable
// jobs, synchronous transcriptions), samples the server's memory every second, takes four snapshots (idle
// with the model loaded, under load, at steady load, idle again after load), compares them, including the
// heap profiles by allocation site, and decides from the trend of RSS after warm-up whether memory has
// converged or is growing.
//
// The trend test (Fit) is an ordinary least-squares slope fitted on block means (one mean per Block,
// a minute by default) rather than on the raw per-second samples, whose errors are strongly
// autocorrelated (RSS moves in steps and GC saw-teeth). Any autocorrelation left between block means is
// allowed for by inflating the slope's variance by (1+ρ)/(1−ρ), ρ the lag-1 autocorrelation of the
// residuals, and shrinking the degrees of freedom of the Student t interval to the effective number of
// blocks. Memory is "growing" when the whole 95% interval lies above the tolerance (0 by default);
// otherwise it has "converged".
//
// Everything the package retains is bounded by the run: one Sample per sampling interval (about 100
// bytes each, 1,800 for a 30-minute run at 1 s), four snapshots and four heap profiles.
package soak
