#include "guest.h"
int main(void)
{
	guest_exit("inotify");
}
