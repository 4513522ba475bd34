/* featref: compute Sphinx feature vectors from a sphinx cepstra file with Debian's libsphinxbase.so.3,
 * for hark's feature tests. Written for hark (not sphinxbase code): it declares the few sphinxbase
 * functions it calls and the leading fields of feat_t/cmn_t from the public header sphinxbase/feat.h
 * (0.8+5prealpha), because Debian ships the library without its -dev headers here.
 *
 * usage: featref TYPE CMN AGC BLOCK IN.mfc OUT.feat [CMNINIT|-] [SVSPEC]
 *   TYPE   -feat (1s_c_d_dd, s2_4x, ...); CMN 0 none, 1 batch, 2 live, 3 batch with -varnorm;
 *          AGC 0 none, 1 max, 2 emax, 3 noise
 *   BLOCK  0: the whole utterance in one call (as pocketsphinx_batch); n: blocks of n frames, the first
 *          with beginutt and the last with endutt (as live decoding)
 *   OUT    int32 count of float32 values, then the feature vectors (little-endian)
 * After the run it prints the final CMN mean to stdout.
 *
 * usage: featref -list TYPE CMN AGC BLOCK CMNINIT|- SVSPEC|- LISTFILE
 *   converts each "IN OUT" line of LISTFILE with a fresh feat_init (used by the Go tests at run time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef float mfcc_t;
typedef struct { mfcc_t *cmn_mean; } cmn_prefix_t;
typedef struct {
    int refcount;
    char *name;
    int cepsize;
    int n_stream;
    unsigned int *stream_len;
    int window_size;
    int n_sv;
    unsigned int *sv_len;
    int **subvecs;
    mfcc_t *sv_buf;
    int sv_dim;
    int cmn;
    int varnorm;
    int agc;
    void (*compute_feat)(void *, mfcc_t **, mfcc_t **);
    cmn_prefix_t *cmn_struct;
} feat_prefix_t;

void *feat_init(char const *type, int cmn, int varnorm, int agc, int breport, int cepsize);
mfcc_t ***feat_array_alloc(void *fcb, int nfr);
int feat_s2mfc2feat_live(void *fcb, mfcc_t **uttcep, int *inout_ncep, int beginutt, int endutt, mfcc_t ***ofeat);
int **parse_subvecs(char const *str);
int feat_set_subvecs(void *fcb, int **subvecs);

/* convert computes the features of one cepstra file; it returns 0 on success. */
static int convert(const char *type, int cmn, int agc, int block, const char *inpath, const char *outpath,
                   const char *cmninit, const char *svspec) {
    FILE *in = fopen(inpath, "rb");
    if (!in) { perror(inpath); return 1; }
    int n;
    if (fread(&n, 4, 1, in) != 1) return 1;
    int nfr = n / 13;
    mfcc_t **cep = malloc(sizeof(*cep) * (nfr + 1));
    mfcc_t *data = malloc(sizeof(mfcc_t) * (n + 13));
    if (fread(data, 4, n, in) != (size_t)n) return 1;
    fclose(in);
    for (int i = 0; i < nfr; i++) cep[i] = data + 13 * i;

    int varnorm = cmn == 3;
    feat_prefix_t *fcb = feat_init(type, varnorm ? 1 : cmn, varnorm, agc, 1, 13);
    if (!fcb) return 1;
    if (strcmp(cmninit, "-") != 0 && fcb->cmn_struct) {
        char *s = strdup(cmninit), *tok = strtok(s, ",");
        for (int i = 0; tok && i < 13; i++, tok = strtok(NULL, ",")) fcb->cmn_struct->cmn_mean[i] = (mfcc_t)atof(tok);
    }
    if (svspec && strcmp(svspec, "-") != 0 && feat_set_subvecs(fcb, parse_subvecs(svspec)) < 0) return 1;
    int dim = 0;
    if (fcb->subvecs) dim = fcb->sv_dim;
    else for (int i = 0; i < fcb->n_stream; i++) dim += fcb->stream_len[i];

    mfcc_t ***feat = feat_array_alloc(fcb, nfr + 16);
    int nout = 0;
    if (block == 0) {
        int ncep = nfr;
        nout = feat_s2mfc2feat_live(fcb, cep, &ncep, 1, 1, feat);
    } else {
        int pos = 0, first = 1;
        for (;;) {
            int want = nfr - pos < block ? nfr - pos : block;
            int last = pos + want == nfr, ncep = want;
            nout += feat_s2mfc2feat_live(fcb, cep + pos, &ncep, first, last, feat + nout);
            pos += ncep;
            first = 0;
            if (last && ncep == want) break;
        }
    }
    FILE *out = fopen(outpath, "wb");
    if (!out) { perror(outpath); return 1; }
    int count = nout * dim;
    fwrite(&count, 4, 1, out);
    for (int i = 0; i < nout; i++) fwrite(feat[i][0], 4, dim, out);
    fclose(out);
    if (fcb->cmn_struct)
        for (int i = 0; i < 13; i++) printf("%.6f%c", fcb->cmn_struct->cmn_mean[i], i == 12 ? '\n' : ' ');
    else
        printf("\n");
    free(data);
    free(cep);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 9 && strcmp(argv[1], "-list") == 0) {
        /* featref -list TYPE CMN AGC BLOCK CMNINIT|- SVSPEC|- LISTFILE: one "IN OUT" pair per line, each
         * converted with a fresh feat_init. */
        FILE *list = fopen(argv[8], "r");
        if (!list) { perror(argv[8]); return 1; }
        char in[4096], out[4096];
        while (fscanf(list, "%4095s %4095s", in, out) == 2)
            if (convert(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), in, out, argv[6], argv[7]) != 0)
                return 1;
        fclose(list);
        return 0;
    }
    if (argc < 7) {
        fprintf(stderr, "usage: featref TYPE CMN AGC BLOCK IN.mfc OUT.feat [CMNINIT|-] [SVSPEC]\n"
                        "       featref -list TYPE CMN AGC BLOCK CMNINIT|- SVSPEC|- LISTFILE\n");
        return 2;
    }
    return convert(argv[1], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5], argv[6],
                   argc > 7 ? argv[7] : "-", argc > 8 ? argv[8] : NULL);
}
