/* SPDX-License-Identifier: MIT */
/* maint: the maintenance verbs of the calor binary — `erase` (a visitor's
 * or a date range's page views, everything under them and their grid
 * counts), `backup` and `restore` of a data directory. Each parses its
 * arguments (argv without the verb), does the work through store, prints
 * what it did and returns the process's exit status (0, 1 failure, 2
 * usage). */
#ifndef CALOR_MAINT_H
#define CALOR_MAINT_H

int maint_erase_cmd(int argc, char **argv);
int maint_backup_cmd(int argc, char **argv);
int maint_restore_cmd(int argc, char **argv);

#endif
